import { InvalidArgumentError } from '@mistral-flows/core';
import { describe, expect, it } from 'vitest';
import { RedisUnavailableError } from '../errors/redis-unavailable-error.js';
import { ConnectionWatch, DEFAULT_REDIS_TIMEOUT_MS } from './connection-watch.js';

describe('ConnectionWatch', () => {
  it('waits 10 s by default and refuses a timeout that is not a positive number', () => {
    expect(new ConnectionWatch({}).timeoutMs).toBe(DEFAULT_REDIS_TIMEOUT_MS);
    expect(DEFAULT_REDIS_TIMEOUT_MS).toBe(10_000);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ConnectionWatch({}, bad)).toThrow(InvalidArgumentError);
    }
  });

  it('fails work that outlives the timeout with RedisUnavailableError, naming the last error', async () => {
    const watch = new ConnectionWatch({ host: 'redis.example.com', port: 6390 }, 20);
    const listeners: Array<(error: Error) => void> = [];
    watch.listen({
      waitUntilReady: () => new Promise(() => undefined),
      on: (_event: 'error', listener: (error: Error) => void) => listeners.push(listener),
    });
    listeners[0]!(new Error('connect ECONNREFUSED redis.example.com:6390'));
    const error = await watch
      .within(new Promise(() => undefined), 'adding a job')
      .catch((e: unknown) => e);
    expect(RedisUnavailableError.isInstance(error)).toBe(true);
    expect((error as RedisUnavailableError).toJSON()).toEqual({
      name: 'RedisUnavailableError',
      code: 'redis_unavailable',
      address: 'redis.example.com:6390',
      timeoutMs: 20,
      message:
        'Redis at redis.example.com:6390 did not answer within 20 ms while adding a job (last error: connect ECONNREFUSED redis.example.com:6390)',
    });
    await expect(watch.within(Promise.resolve(7), 'reading')).resolves.toBe(7);
  });
});
