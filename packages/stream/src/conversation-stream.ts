import type { Mistral } from '@mistralai/mistralai';
import type {
  ConversationAppendStreamRequest,
  ConversationRestartStreamRequest,
  ConversationStreamRequest,
} from '@mistralai/mistralai/models/components';
import type { Observable } from 'rxjs';
import { ConversationTranslator } from './internal/conversation-translator.js';
import { runStream, type StreamOptions } from './internal/run-stream.js';
import type { StreamEvent } from './stream-event.js';

/** Which Conversations API call to stream: start a conversation, append to one, or branch one. */
export type ConversationStreamInput =
  | ({ action?: 'start' } & ConversationStreamRequest)
  | ({ action: 'append'; conversationId: string } & ConversationAppendStreamRequest)
  | ({ action: 'restart'; conversationId: string } & ConversationRestartStreamRequest);

/**
 * A Conversations API turn (`beta.conversations.startStream`, `appendStream` or `restartStream`)
 * as a cold Observable of stream events. Message deltas, function calls and the final usage map
 * onto the same events as `chatStream` (`response-start` and `response-end` carry the
 * `conversationId`); built-in tool executions and handoffs keep their own event types.
 *
 * The server stores every turn, so only failures the server answered with an error status are
 * retried, and `onInterrupt: 'restart'` is refused: sending the input again would store it twice.
 */
export function conversationStream(
  client: Mistral,
  input: ConversationStreamInput,
  options: StreamOptions = {},
): Observable<StreamEvent> {
  return runStream(
    {
      client,
      open: (requestOptions) => {
        switch (input.action) {
          case 'append': {
            const { action: _action, conversationId, ...body } = input;
            return client.beta.conversations.appendStream(
              { conversationId, conversationAppendStreamRequest: body },
              requestOptions,
            );
          }
          case 'restart': {
            const { action: _action, conversationId, ...body } = input;
            return client.beta.conversations.restartStream(
              { conversationId, conversationRestartStreamRequest: body },
              requestOptions,
            );
          }
          case undefined:
          case 'start': {
            const { action: _action, ...body } = input;
            return client.beta.conversations.startStream(body, requestOptions);
          }
        }
      },
      translator: (attempt) => new ConversationTranslator(attempt),
      retryable: (c) => c.retryable && c.status !== undefined,
      restartable: false,
    },
    options,
  );
}
