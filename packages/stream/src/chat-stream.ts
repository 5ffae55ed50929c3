import type { Mistral } from '@mistralai/mistralai';
import type { ChatCompletionStreamRequest } from '@mistralai/mistralai/models/components';
import type { Observable } from 'rxjs';
import { CompletionTranslator } from './internal/completion-translator.js';
import { runStream, type StreamOptions } from './internal/run-stream.js';
import type { StreamEvent } from './stream-event.js';

/**
 * A chat completion as a cold Observable of stream events: `response-start`, `text-delta`s,
 * `tool-call`s and `response-end` with the finish reason, the usage the API reported and the
 * whole text. Each subscription sends one request; unsubscribing aborts it. Failures arrive as a
 * `StreamError` holding the partial text; see `StreamOptions` for retries and restarts.
 *
 * @example
 * chatStream(client, { model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] })
 *   .pipe(textDeltas())
 *   .subscribe((text) => process.stdout.write(text));
 */
export function chatStream(
  client: Mistral,
  request: ChatCompletionStreamRequest,
  options: StreamOptions = {},
): Observable<StreamEvent> {
  return runStream(
    {
      client,
      open: (requestOptions) => client.chat.stream(request, requestOptions),
      translator: (attempt) => new CompletionTranslator(attempt),
    },
    options,
  );
}
