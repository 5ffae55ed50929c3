import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { DeadLetter } from './dead-letter.js';
import { deadLetterQueueName } from './dead-letter.js';
import { closeWhenReady } from '../internal/close-bullmq.js';
import { ConnectionWatch } from '../internal/connection-watch.js';

export interface ReplayDeadLettersOptions {
  connection: ConnectionOptions;
  /**
   * The queue whose dead letters to replay: the chat queue's name (`mistral-chat`) or the batch
   * watcher's. Its webhook deliveries share the same dead-letter queue.
   */
  queue: string;
  prefix?: string;
  /** Replays only the letters this returns true for. */
  filter?: (letter: DeadLetter) => boolean;
  /** At most this many (default: all). */
  limit?: number;
  /** How long each step waits for Redis before failing with `RedisUnavailableError` (default 10 s). */
  redisTimeoutMs?: number;
}

export interface ReplayDeadLettersResult {
  /** `<source queue>/<job id>` of every letter put back. */
  replayed: string[];
  /** Letters left in place because their job exists again and has not failed. */
  skipped: string[];
}

/**
 * Puts dead letters back on the queue they came from, with their attempts reset, and removes them
 * from the dead-letter queue. A chat job comes back with the same job id (and counts a replay, so
 * its next webhooks get new ids); a webhook delivery comes back with the same `webhook-id`. An
 * endpoint disabled by a 410 stays disabled: re-enable it before replaying its deliveries.
 * Rejects with `RedisUnavailableError` when Redis does not answer within `redisTimeoutMs`; the
 * letters replayed until then are off the dead-letter queue, the others still on it.
 */
export async function replayDeadLetters(
  options: ReplayDeadLettersOptions,
): Promise<ReplayDeadLettersResult> {
  const { connection, prefix, filter, limit = Infinity } = options;
  const queueOptions = { connection, ...(prefix !== undefined ? { prefix } : {}) };
  const watch = new ConnectionWatch(connection, options.redisTimeoutMs);
  const deadLetters = watch.listen(
    new Queue<DeadLetter>(deadLetterQueueName(options.queue), queueOptions),
  );
  const sources = new Map<string, Queue>();
  const result: ReplayDeadLettersResult = { replayed: [], skipped: [] };
  const doing = `replaying the dead letters of ${options.queue}`;
  const redis = <T>(work: Promise<T>) => watch.within(work, doing);
  try {
    await watch.connected(deadLetters, doing);
    const jobs = await redis(deadLetters.getWaiting(0, -1));
    for (const letterJob of jobs) {
      if (result.replayed.length >= limit) break;
      const letter = letterJob.data;
      if (filter && !filter(letter)) continue;
      const { source } = letter;
      let queue = sources.get(source.queue);
      if (!queue) {
        queue = watch.listen(new Queue(source.queue, queueOptions));
        sources.set(source.queue, queue);
        await watch.connected(queue, doing);
      }
      const key = `${source.queue}/${source.jobId}`;
      // The failed job, when BullMQ still keeps it, has the data before redaction: prefer it.
      const existing = await redis(queue.getJob(source.jobId));
      let data: unknown = letter.data;
      let retention: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {};
      if (existing) {
        if (!(await redis(existing.isFailed()))) {
          result.skipped.push(key);
          continue;
        }
        data = existing.data;
        const { removeOnComplete, removeOnFail } = existing.opts;
        retention = {
          ...(removeOnComplete !== undefined ? { removeOnComplete } : {}),
          ...(removeOnFail !== undefined ? { removeOnFail } : {}),
        };
        await redis(existing.remove());
      }
      await redis(
        queue.add(source.name, replayData(source.name, data), {
          ...retention,
          ...source.opts,
          jobId: source.jobId,
        }),
      );
      await redis(letterJob.remove());
      result.replayed.push(key);
    }
  } finally {
    await closeWhenReady(watch, deadLetters, ...sources.values());
  }
  return result;
}

function replayData(name: string, data: unknown): unknown {
  if (name === 'webhook' || typeof data !== 'object' || data === null) return data;
  const replays = (data as { replays?: unknown }).replays;
  return { ...data, replays: (typeof replays === 'number' ? replays : 0) + 1 };
}
