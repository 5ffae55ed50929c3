import type { Redis } from 'ioredis';

/**
 * Remembers the `webhook-id`s a receiver has accepted, so that a replayed request (same id, still
 * within the timestamp tolerance) is refused. `claim` returns true the first time it sees `id`.
 */
export interface ReplayGuard {
  claim(id: string, ttlMs: number): boolean | Promise<boolean>;
}

/** A replay guard in this process's memory; ids are forgotten after their ttl. */
export function memoryReplayGuard(now: () => number = Date.now): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    claim(id, ttlMs) {
      const at = now();
      for (const [key, expires] of seen) {
        if (expires > at) break; // insertion order is expiry order for a fixed ttl
        seen.delete(key);
      }
      const expires = seen.get(id);
      if (expires !== undefined && expires > at) return false;
      seen.delete(id);
      seen.set(id, at + ttlMs);
      return true;
    },
  };
}

/** A replay guard shared by every receiver process: `SET key NX PX ttl` in Redis. */
export function redisReplayGuard(
  redis: Pick<Redis, 'set'>,
  options: { prefix?: string } = {},
): ReplayGuard {
  const prefix = options.prefix ?? 'mistral-flows:webhook-ids:';
  return {
    async claim(id, ttlMs) {
      const result = await redis.set(
        `${prefix}${id}`,
        '1',
        'PX',
        Math.max(1, Math.ceil(ttlMs)),
        'NX',
      );
      return result === 'OK';
    },
  };
}
