import type { Observable, Subscription } from 'rxjs';
import { classifyError } from '@mistral-flows/core';
import type { ReplayLog } from './replay-log.js';

export interface RecordOptions<T> {
  /** The SSE event name of each event (default: its `type` field, else `message`). */
  eventName?: (event: T) => string;
}

/**
 * Subscribes to `events$` once and appends every event to `log`, then its end or its failure.
 * Relays then serve the log to any number of readers, each from where it left off. Returns the
 * subscription; unsubscribing stops the source and ends the log.
 */
export function recordTo<T>(
  log: ReplayLog<T>,
  events$: Observable<T>,
  options: RecordOptions<T> = {},
): Subscription {
  const eventName = options.eventName ?? defaultEventName;
  // Appends are chained so that records keep the source's order even when the log is remote.
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = (fn: () => Promise<unknown>) => {
    chain = chain.then(fn).catch(() => undefined);
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

export function defaultEventName(event: unknown): string {
  const type = (event as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type !== '' && !/[\r\n]/.test(type) ? type : 'message';
}
