import { redact } from '@mistral-flows/core';
import type { JobsOptions, Queue } from 'bullmq';

/** A job or a webhook delivery that exhausted its attempts, as stored in a dead-letter queue. */
export interface DeadLetter<T = unknown> {
  /** Where it came from, to put it back there. */
  source: {
    queue: string;
    jobId: string;
    /** The BullMQ job name (`chat`, `agent`, `webhook`). */
    name: string;
    /** The job options it had that matter to a replay. */
    opts: Pick<JobsOptions, 'attempts' | 'backoff' | 'priority'>;
  };
  /** The job's data, with secrets removed. */
  data: T;
  /** The last error, with secrets removed. */
  error: { message: string; code?: string; status?: number };
  /** Attempts made, the failing one included. */
  attemptsMade: number;
  /** When it failed for good (ms since the epoch). */
  failedAt: number;
}

/** The dead-letter queue that belongs to queue `name`. */
export function deadLetterQueueName(name: string): string {
  return `${name}-dead-letters`;
}

/** The dead letter's job id: one entry per source job, however often it is added. */
export function deadLetterId(letter: Pick<DeadLetter, 'source'>): string {
  return `${letter.source.queue}/${letter.source.jobId}`;
}

/**
 * Adds a dead letter. Its job id is derived from the source job, so adding the same failure twice
 * (from the processor and from a `failed` listener, or after a crash) keeps one entry. The queue
 * has no worker: its waiting jobs are the dead letters, until `replayDeadLetters` takes them back.
 */
export async function addDeadLetter(queue: Queue<DeadLetter>, letter: DeadLetter): Promise<void> {
  await queue.add('dead-letter', redact(letter), { jobId: deadLetterId(letter) });
}
