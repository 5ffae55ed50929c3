import { Redis } from 'ioredis';

function connect(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves to undefined when a Redis server answers PING at `url`, else to what went wrong. */
export async function probeRedis(url: string): Promise<string | undefined> {
  const redis = connect(url);
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

/** Deletes the keys matching `pattern` (the demo's BullMQ queues), so that no run leaves data behind. */
export async function deleteKeys(url: string, pattern: string): Promise<number> {
  const redis = connect(url);
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

/** `url` without its password, for printing. */
export function displayRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
