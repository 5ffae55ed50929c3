import type { Observable, Subscription } from 'rxjs';
import { classifyError } from '@mistral-flows/core';
import type { ReplayLog } from './replay-log.js';

export interface RecordOptions<T> {
  /** The SSE event name of each event (default: its `type` field, else `message`). */
  eventName?: (event: T) => string;
  /**
   * Called once when an event could not be appended to the log. The recording then stops (the
   * source is unsubscribed, nothing after the lost event is appended) and the log ends with a
   * `record_failed` failure, so that readers see an error instead of a silent gap.
   */
  onError?: (error: unknown) => void;
}

/**
 * Subscribes to `events$` once and appends every event to `log`, then its end or its failure.
 * Relays then serve the log to any number of readers, each from where it left off. Returns the
 * subscription; unsubscribing stops the source and ends the log.
 *
 * A log that fails to append an event (a remote log that lost its connection) never gets a gap:
 * the recording stops there, the log is ended with a `record_failed` failure and `onError` is
 * called.
 */
export function recordTo<T>(
  log: ReplayLog<T>,
  events$: Observable<T>,
  options: RecordOptions<T> = {},
): Subscription {
  const eventName = options.eventName ?? defaultEventName;
  // Appends are chained so that records keep the source's order even when the log is remote.
  let chain: Promise<void> = Promise.resolve();
  /** Set by the first failed append: nothing is appended after it. */
  let failed = false;
  const enqueue = (fn: () => Promise<unknown>) => {
    chain = chain.then(async () => {
      if (failed) return;
      try {
        await fn();
      } catch (error) {
        failed = true;
        subscription.unsubscribe();
        await endWithFailure(log, error);
        options.onError?.(error);
      }
    });
  };
  const subscription = events$.subscribe({
    next: (event) => enqueue(() => log.append(eventName(event), event)),
    error: (error: unknown) => {
      const c = classifyError(error);
      const code = (error as { code?: unknown }).code;
      enqueue(() =>
        log.end({ code: typeof code === 'string' ? code : c.code, message: c.message }),
      );
    },
    complete: () => enqueue(() => log.end()),
  });
  subscription.add(() => enqueue(() => log.end()));
  return subscription;
}

/** Ends `log` with a `record_failed` failure after `error` lost an event. */
async function endWithFailure<T>(log: ReplayLog<T>, error: unknown): Promise<void> {
  try {
    await log.end({
      code: 'record_failed',
      message: `An event could not be recorded, so the stream stops here: ${classifyError(error).message}`,
    });
  } catch {
    // The log cannot be written at all (its store is unreachable): its readers fail on their own
    // reads, and the caller learns of the lost event through onError.
  }
}

export function defaultEventName(event: unknown): string {
  const type = (event as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type !== '' && !/[\r\n]/.test(type) ? type : 'message';
}
