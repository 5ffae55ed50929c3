import type { Mistral } from '@mistralai/mistralai';
import type { AgentsCompletionStreamRequest } from '@mistralai/mistralai/models/components';
import type { Observable } from 'rxjs';
import { CompletionTranslator } from './internal/completion-translator.js';
import { runStream, type StreamOptions } from './internal/run-stream.js';
import type { StreamEvent } from './stream-event.js';

/**
 * An agent completion (`agents.stream`, with an `agentId` and the history as `messages`) as a
 * cold Observable of the same stream events as `chatStream`.
 */
export function agentStream(
  client: Mistral,
  request: AgentsCompletionStreamRequest,
  options: StreamOptions = {},
): Observable<StreamEvent> {
  return runStream(
    {
      client,
      open: (requestOptions) => client.agents.stream(request, requestOptions),
      translator: (attempt) => new CompletionTranslator(attempt),
    },
    options,
  );
}
