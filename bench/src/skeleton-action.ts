import type { Store } from '@mistral-flows/core';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The round trips of one distributed conversation action, without a conversation: the client
 * numbers the action (INCR) and reads where the outcome stream ends, enqueues a BullMQ job, and
 * blocks on the outcome stream; the worker takes and gives back a lease record by two
 * compare-and-set writes in the store and appends the outcome. The floor under
 * `createConversationClient` -> `createConversationWorker`.
 */
export interface SkeletonJob {
  id: string;
  seq: number;
}

const endsKey = (name: string) => `bull:${name}:ends`;

/** The worker side, concurrency 10 like the conversation worker's default. */
export function skeletonWorker(
  name: string,
  store: Store,
  redisUrl: string,
): { ready(): Promise<void>; close(): Promise<void> } {
  const redis = new Redis(redisUrl);
  const worker = new Worker<SkeletonJob>(
    name,
    async (job) => {
      const key = `skeleton-lease:${job.data.id}`;
      const entry = await store.get<{ owner: string | null }>(key);
      const taken = await store.set(key, { owner: 'bench' }, { ifVersion: entry?.version ?? 0 });
      await store.set(key, { owner: null }, { ifVersion: taken.version });
      await redis.xadd(endsKey(name), '*', 's', String(job.data.seq));
      return 'done';
    },
    { connection: { url: redisUrl }, concurrency: 10 },
  );
  return {
    ready: async () => {
      await worker.waitUntilReady();
    },
    async close() {
      await worker.close();
      redis.disconnect();
    },
  };
}

/** The client side: one action on conversation `id`, resolved when its outcome is read. */
export function skeletonClient(
  name: string,
  redisUrl: string,
): { action(id: string): Promise<void>; close(): Promise<void> } {
  const queue = new Queue<SkeletonJob>(name, { connection: { url: redisUrl } });
  const redis = new Redis(redisUrl);
  const reader = new Redis(redisUrl);
  return {
    async action(id) {
      const seq = await redis.incr(`bull:${name}:seq:${id}`);
      const last = await redis.xrevrange(endsKey(name), '+', '-', 'COUNT', 1);
      await queue.add('action', { id, seq }, { jobId: `${id}.${seq}` });
      let cursor = last[0]?.[0] ?? '0-0';
      for (;;) {
        const reply = await reader.xread('BLOCK', 5_000, 'STREAMS', endsKey(name), cursor);
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.some(([, fields]) => fields[1] === String(seq))) return;
        cursor = entries.at(-1)?.[0] ?? cursor;
      }
    },
    async close() {
      await queue.close();
      redis.disconnect();
      reader.disconnect();
    },
  };
}
