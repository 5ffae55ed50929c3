import type { ChatEvents } from '@mistral-flows/core';
import { Observable } from 'rxjs';
import type { EventBus } from './event-bus.js';
import type { StreamEvent } from './stream-event.js';

/**
 * Publishes a stream on a bus under the `chat:*` names, and passes its events through:
 * `chat:start` (model), `chat:chunk` (content and index), `chat:complete` (the whole text and the
 * usage the API reported), `chat:error` (with the partial text) and `chat:restart`. Nothing is
 * published until the returned Observable is subscribed; a stop publishes nothing.
 *
 * @example
 * toBus(chatStream(client, request), bus, 'req-1').subscribe();
 */
export function toBus(
  stream$: Observable<StreamEvent>,
  bus: EventBus<ChatEvents>,
  requestId: string,
): Observable<StreamEvent> {
  return new Observable<StreamEvent>((subscriber) => {
    let chunkIndex = 0;
    let text = '';
    // Subscribing sends the request; `response-start` comes with the first chunk.
    let requestedAt = Date.now();
    return stream$.subscribe({
      next(event) {
        switch (event.type) {
          case 'response-start':
            bus.emit('chat:start', { requestId, model: event.model ?? 'unknown', requestedAt });
            break;
          case 'text-delta':
            text += event.text;
            bus.emit('chat:chunk', { requestId, content: event.text, index: chunkIndex++ });
            break;
          case 'response-end':
            bus.emit('chat:complete', {
              requestId,
              content: event.text,
              usage: event.usage,
              finishReason: event.finishReason,
            });
            break;
          case 'restart':
            chunkIndex = 0;
            text = '';
            requestedAt = Date.now();
            bus.emit('chat:restart', { requestId, attempt: event.attempt, reason: event.reason });
            break;
          default:
            break;
        }
        subscriber.next(event);
      },
      error(error: unknown) {
        const err = error instanceof Error ? error : new Error(String(error));
        const partialText = (err as { partialText?: unknown }).partialText;
        bus.emit('chat:error', {
          requestId,
          error: err,
          partialText: typeof partialText === 'string' ? partialText : text,
        });
        subscriber.error(error);
      },
      complete: () => subscriber.complete(),
    });
  });
}
