import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What `ReplayGuard.claim` found. */
export type ReplayClaim =
  /** The id is now this caller's to process; `token` proves it to `complete` and `release`. */
  | { status: 'claimed'; token: string }
  /** Another request with the id is being processed (its claim has not expired). */
  | { status: 'processing' }
  /** A request with the id was processed: this one is a replay. */
  | { status: 'processed' };

/**
 * Remembers the `webhook-id`s a receiver is processing and has processed. An id is claimed for
 * the time its processing may take (`leaseMs`); only `complete` makes it a replay, while
 * `release` (processing failed) lets the sender's retry claim it again. A claim neither completed
 * nor released (the receiver crashed) expires after its lease.
 */
export interface ReplayGuard {
  claim(id: string, leaseMs: number): ReplayClaim | Promise<ReplayClaim>;
  /** Marks `id` processed for `ttlMs`: later claims get `processed`. */
  complete(id: string, token: string, ttlMs: number): void | Promise<void>;
  /** Gives up the claim `token` holds on `id`, if it still holds it. */
  release(id: string, token: string): void | Promise<void>;
}

interface MemoryEntry {
  /** The claim's token, or undefined once processed. */
  token: string | undefined;
  expires: number;
}

const SWEEP_INTERVAL_MS = 1_000;

/** A replay guard in this process's memory; ids are forgotten after their lease or ttl. */
export function memoryReplayGuard(now: () => number = Date.now): ReplayGuard {
  const entries = new Map<string, MemoryEntry>();
  let lastSweep = Number.NEGATIVE_INFINITY;
  const live = (id: string, at: number): MemoryEntry | undefined => {
    const entry = entries.get(id);
    if (entry && entry.expires > at) return entry;
    entries.delete(id);
    return undefined;
  };
  return {
    claim(id, leaseMs) {
      const at = now();
      if (at - lastSweep >= SWEEP_INTERVAL_MS) {
        lastSweep = at;
        for (const [key, entry] of entries) if (entry.expires <= at) entries.delete(key);
      }
      const entry = live(id, at);
      if (entry) return { status: entry.token === undefined ? 'processed' : 'processing' };
      const token = randomUUID();
      entries.set(id, { token, expires: at + leaseMs });
      return { status: 'claimed', token };
    },
    complete(id, _token, ttlMs) {
      entries.set(id, { token: undefined, expires: now() + ttlMs });
    },
    release(id, token) {
      const entry = live(id, now());
      if (entry?.token === token) entries.delete(id);
    },
  };
}

/** Claims the key unless it exists; answers what it found. Processed ids hold the value `processed`. */
const CLAIM = `
local value = redis.call('GET', KEYS[1])
if value then
  if value == 'processed' then return 'processed' end
  return 'processing'
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'claimed'`;

/** Deletes the key only while it still holds the caller's claim. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A replay guard shared by every receiver process, in Redis: one key per id, holding the claim's
 * token with the lease as its expiry, then `processed` with the ttl. Claims and releases are
 * single scripts, so two processes never both claim an id.
 */
export function redisReplayGuard(
  redis: Pick<Redis, 'set' | 'eval'>,
  options: { prefix?: string } = {},
): ReplayGuard {
  const prefix = options.prefix ?? 'mistral-flows:webhook-ids:';
  const ms = (value: number) => Math.max(1, Math.ceil(value));
  return {
    async claim(id, leaseMs) {
      const token = `claim:${randomUUID()}`;
      const found = await redis.eval(CLAIM, 1, `${prefix}${id}`, token, ms(leaseMs));
      if (found === 'claimed') return { status: 'claimed', token };
      return { status: found === 'processed' ? 'processed' : 'processing' };
    },
    async complete(id, _token, ttlMs) {
      await redis.set(`${prefix}${id}`, 'processed', 'PX', ms(ttlMs));
    },
    async release(id, token) {
      await redis.eval(RELEASE, 1, `${prefix}${id}`, token);
    },
  };
}
