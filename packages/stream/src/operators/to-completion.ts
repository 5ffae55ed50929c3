import { Observable, type OperatorFunction } from 'rxjs';
import type { Completion, StreamEvent } from '../stream-event.js';

/**
 * Reduces a stream to its final result, emitted once at `response-end`: the text, the tool
 * calls, the finish reason, the usage the API reported and how many restarts it took. A stream
 * that is stopped before its end completes without a value.
 *
 * @example
 * const { text, usage } = await lastValueFrom(chatStream(client, request).pipe(toCompletion()));
 */
export function toCompletion(): OperatorFunction<StreamEvent, Completion> {
  return (source) =>
    new Observable<Completion>((subscriber) => {
      let restarts = 0;
      return source.subscribe({
        next(event) {
          if (event.type === 'restart') {
            restarts++;
          } else if (event.type === 'response-end') {
            const completion: Completion = {
              id: event.id,
              model: event.model,
              text: event.text,
              toolCalls: event.toolCalls,
              finishReason: event.finishReason,
              usage: event.usage,
              restarts,
            };
            if (event.conversationId !== undefined)
              completion.conversationId = event.conversationId;
            subscriber.next(completion);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
