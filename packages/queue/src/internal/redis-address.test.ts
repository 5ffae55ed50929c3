import { redactString } from '@mistral-flows/core';
import { describe, expect, it } from 'vitest';
import { redisAddress } from './redis-address.js';

describe('redisAddress', () => {
  it('names host:port without the credentials, and registers the password with redact', () => {
    const password = 'a-redis-password-42';
    expect(redisAddress({ url: `redis://default:${password}@cache.internal:6380/2` })).toBe(
      'cache.internal:6380',
    );
    expect(redactString(`AUTH ${password}`)).not.toContain(password);
  });

  it.each([
    [{ url: 'redis://10.0.0.7' }, '10.0.0.7:6379'],
    [{ url: 'rediss://[::1]:7000' }, '[::1]:7000'],
    [{ host: 'redis.example.com', port: 6390 }, 'redis.example.com:6390'],
    [{ port: 6391 }, '127.0.0.1:6391'],
    [{}, '127.0.0.1:6379'],
    [{ path: '/run/redis.sock' }, '/run/redis.sock'],
    [{ url: 'not a url' }, '(a Redis URL that does not parse)'],
  ])('reads %j as %s', (connection, address) => {
    expect(redisAddress(connection)).toBe(address);
  });
});
