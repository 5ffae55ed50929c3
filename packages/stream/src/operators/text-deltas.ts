import { filter, map, pipe, type OperatorFunction } from 'rxjs';
import type { StreamEvent, TextDeltaEvent } from '../stream-event.js';

/**
 * Keeps only the text of `text-delta` events, as they arrive. After a `restart` the new attempt's
 * text starts again from the beginning: use `accumulateText()` when the consumer must reset.
 *
 * @example
 * chatStream(client, request).pipe(textDeltas()).subscribe((t) => process.stdout.write(t));
 * @see accumulateText
 */
export function textDeltas(): OperatorFunction<StreamEvent, string> {
  return pipe(
    filter((event): event is TextDeltaEvent => event.type === 'text-delta'),
    map((event) => event.text),
  );
}
