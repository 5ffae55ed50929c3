import type { QueueEvents } from 'bullmq';
import { Observable } from 'rxjs';

/** One event of a queue's jobs, as `jobEvents$` emits it. */
export type JobEvent =
  | { type: 'progress'; jobId: string; progress: unknown }
  | { type: 'completed'; jobId: string; returnvalue: unknown }
  | { type: 'failed'; jobId: string; failedReason: string }
  | { type: 'stalled'; jobId: string };

/**
 * The progress, completed, failed and stalled events of a BullMQ queue, from every worker on
 * every machine, as a cold Observable. Subscribing adds the listeners to `queueEvents`;
 * unsubscribing removes them (closing `queueEvents` is the caller's business). `failed` is
 * emitted for each failed attempt, retried or not, as BullMQ reports it.
 *
 * @example
 * const events = new QueueEvents('mistral-chat', { connection });
 * jobEvents$(events).pipe(filter((e) => e.jobId === jobId)).subscribe(console.log);
 */
export function jobEvents$(queueEvents: QueueEvents): Observable<JobEvent> {
  return new Observable<JobEvent>((subscriber) => {
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) =>
      subscriber.next({ type: 'progress', jobId, progress: data });
    const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) =>
      subscriber.next({ type: 'completed', jobId, returnvalue: parse(returnvalue) });
    const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) =>
      subscriber.next({ type: 'failed', jobId, failedReason });
    const onStalled = ({ jobId }: { jobId: string }) => subscriber.next({ type: 'stalled', jobId });
    queueEvents.on('progress', onProgress);
    queueEvents.on('completed', onCompleted);
    queueEvents.on('failed', onFailed);
    queueEvents.on('stalled', onStalled);
    return () => {
      queueEvents.off('progress', onProgress);
      queueEvents.off('completed', onCompleted);
      queueEvents.off('failed', onFailed);
      queueEvents.off('stalled', onStalled);
    };
  });
}

/** QueueEvents gives return values as the JSON text stored in Redis. */
function parse(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}
