import { Observable, type OperatorFunction } from 'rxjs';
import type { StreamEvent } from '../stream-event.js';

/**
 * Emits the whole text so far after every `text-delta`, and `''` on a `restart`, so that a view
 * bound to it always shows exactly what the current attempt has said.
 *
 * @example
 * chatStream(client, request).pipe(accumulateText()).subscribe((text) => render(text));
 * @see textDeltas
 */
export function accumulateText(): OperatorFunction<StreamEvent, string> {
  return (source) =>
    new Observable<string>((subscriber) => {
      let text = '';
      return source.subscribe({
        next(event) {
          if (event.type === 'text-delta') {
            text += event.text;
            subscriber.next(text);
          } else if (event.type === 'restart') {
            text = '';
            subscriber.next(text);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
