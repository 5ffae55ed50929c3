import { randomUUID } from 'node:crypto';
import { useRedis } from '@mistral-flows/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../src/redis.js';
import { describeStoreContract } from './store-contract.js';

const redis = await useRedis();
const namespaces: string[] = [];

function freshNamespace(): string {
  const namespace = `mf-test:${randomUUID()}:`;
  namespaces.push(namespace);
  return namespace;
}

afterAll(async () => {
  if (!redis.available) return;
  const client = new Redis(redis.url);
  for (const namespace of namespaces) {
    const keys = await client.keys(`${namespace}*`);
    if (keys.length > 0) await client.del(...keys);
  }
  await client.quit();
});

describe.skipIf(!redis.available)('RedisStore', () => {
  describeStoreContract(
    'RedisStore',
    () => new RedisStore({ url: redis.url, namespace: freshNamespace() }),
  );

  it('shares state between two connections (as two machines would)', async () => {
    const namespace = freshNamespace();
    const a = new RedisStore({ url: redis.url, namespace });
    const b = new RedisStore({ url: redis.url, namespace });
    await a.set('job:1', { status: 'RUNNING' });
    expect(await b.get('job:1')).toEqual({
      key: 'job:1',
      value: { status: 'RUNNING' },
      version: 1,
    });
    await expect(b.set('job:1', {}, { ifVersion: 0 })).rejects.toMatchObject({
      code: 'store_conflict',
    });
    await a.close();
    await b.close();
  });

  it('does not close a client it was given', async () => {
    const client = new Redis(redis.url);
    const store = new RedisStore({ client, namespace: freshNamespace() });
    await store.set('x', 1);
    await store.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });
});
