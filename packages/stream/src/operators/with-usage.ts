import type { Usage } from '@mistral-flows/core';
import { Observable, type OperatorFunction } from 'rxjs';
import type { StreamEvent } from '../stream-event.js';

/**
 * Emits the running total of the token usage the API reported, once per `response-end` (a
 * multi-step agent turn has several). Never an estimate: a response that reported no usage adds
 * nothing, and `complete` is the only signal that the total is final.
 *
 * @example
 * stream$.pipe(withUsage(), last()).subscribe((u) => meter.add(u.totalTokens));
 */
export function withUsage(): OperatorFunction<StreamEvent, Usage> {
  return (source) =>
    new Observable<Usage>((subscriber) => {
      const total: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      return source.subscribe({
        next(event) {
          if (event.type !== 'response-end' || !event.usage) return;
          total.promptTokens += event.usage.promptTokens;
          total.completionTokens += event.usage.completionTokens;
          total.totalTokens += event.usage.totalTokens;
          subscriber.next({ ...total });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
