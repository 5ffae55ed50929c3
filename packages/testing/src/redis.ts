import { Redis } from 'ioredis';
import { missingService } from './skip.js';

export interface RedisService {
  /** True when a Redis server answered PING. */
  readonly available: boolean;
  /** The URL that was probed: `REDIS_URL` or `redis://127.0.0.1:6379`. */
  readonly url: string;
}

let probe: Promise<RedisService> | undefined;

/**
 * Finds the Redis server the tests should use. Use it at the top of a `*.redis.test.ts` file:
 *
 * ```ts
 * const redis = await useRedis();
 * describe.skipIf(!redis.available)('RedisStore', () => { ... });
 * ```
 *
 * When Redis does not answer, it prints one line naming the URL and how to start a server, and
 * the tests skip; with `REQUIRE_REDIS=1` (as in CI) it throws instead, so nothing skips silently.
 */
export function useRedis(): Promise<RedisService> {
  probe ??= probeRedis();
  return probe;
}

async function probeRedis(): Promise<RedisService> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return { available: true, url };
  } catch (error) {
    missingService({
      service: 'Redis',
      requireVariable: 'REQUIRE_REDIS',
      reason: `no answer at ${url}: ${error instanceof Error ? error.message : String(error)}`,
      howToStart:
        'Start one with `redis-server --port 6379 --save "" --daemonize yes` or set REDIS_URL.',
    });
    return { available: false, url };
  } finally {
    client.disconnect();
  }
}

/**
 * Deletes every BullMQ key of the given queues (and of the queues named after them), for the
 * cleanup of tests and benchmarks that use a real Redis.
 */
export async function deleteQueueKeys(url: string, names: readonly string[]): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for (const name of names) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `bull:${name}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
