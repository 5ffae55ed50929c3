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
  const problem = await pingRedis(url);
  if (problem === undefined) return { available: true, url };
  missingService({
    service: 'Redis',
    requireVariable: 'REQUIRE_REDIS',
    reason: `no answer at ${url}: ${problem}`,
    howToStart:
      'Start one with `redis-server --port 6379 --save "" --daemonize yes` or set REDIS_URL.',
  });
  return { available: false, url };
}

/** A client that fails at once instead of reconnecting or queueing commands. */
function connectOnce(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // Errors are read from the calls below; without a listener ioredis would print them.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves to undefined when a Redis server answers PING at `url`, else to what went wrong. */
export async function pingRedis(url: string): Promise<string | undefined> {
  const redis = connectOnce(url);
  // The socket's error ("connect ECONNREFUSED ...") says more than the rejection that follows it.
  let socketError: string | undefined;
  redis.on('error', (error: Error) => (socketError ??= error.message));
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return socketError ?? (error instanceof Error ? error.message : String(error));
  } finally {
    redis.disconnect();
  }
}

/** Deletes the keys matching `pattern` and resolves with how many there were. */
export async function deleteKeys(url: string, pattern: string): Promise<number> {
  const redis = connectOnce(url);
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes every BullMQ key of the given queues (and of the queues named after them), for the
 * cleanup of tests and benchmarks that use a real Redis.
 */
export async function deleteQueueKeys(url: string, names: readonly string[]): Promise<void> {
  for (const name of names) await deleteKeys(url, `bull:${name}*`);
}
