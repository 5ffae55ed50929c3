import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { StreamEvent, TextDeltaEvent } from '../stream-event.js';

/**
 * Coalesces the `text-delta`s that arrive within `ms` into one, so that a UI repaints at most
 * once per window however fast the model streams. Other events pass through at once, after the
 * pending text is flushed, so the order of events never changes; completion and errors flush too.
 *
 * @param ms The window, in milliseconds (for example 16 for one frame at 60 Hz).
 * @param scheduler Time source (default `asyncScheduler`; `TestScheduler` in marble tests).
 * @example
 * chatStream(client, request).pipe(bufferForUi(50)).subscribe(render);
 */
export function bufferForUi(
  ms: number,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<StreamEvent, StreamEvent> {
  return (source) =>
    new Observable<StreamEvent>((subscriber) => {
      let pending: TextDeltaEvent | undefined;
      let timer: Subscription | undefined;
      const flush = () => {
        timer?.unsubscribe();
        timer = undefined;
        if (pending) {
          const event = pending;
          pending = undefined;
          subscriber.next(event);
        }
      };
      const subscription = source.subscribe({
        next(event) {
          if (event.type === 'text-delta') {
            if (pending) {
              pending = {
                type: 'text-delta',
                text: pending.text + event.text,
                index: pending.index,
              };
            } else {
              pending = event;
              timer = scheduler.schedule(flush, ms);
            }
            return;
          }
          flush();
          subscriber.next(event);
        },
        error(error: unknown) {
          flush();
          subscriber.error(error);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
