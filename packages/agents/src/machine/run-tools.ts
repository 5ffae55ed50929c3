import { fromCallback, type EventObject } from 'xstate';
import type { AnyTool } from '../tools/define-tool.js';
import { runToolCall } from '../tools/run-tool-call.js';
import type { ConversationEvent, RunToolsInput } from './types.js';

/**
 * The `runTools` actor: runs the step's tool calls in parallel, each under its own timeout, and
 * sends each result back as soon as it is known (so it is persisted one by one). Stopping the
 * actor aborts the tools still running.
 */
export function runToolsActor(
  tools: ReadonlyMap<string, AnyTool>,
  onExecute?: (name: string) => void,
) {
  return fromCallback<EventObject, RunToolsInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    let running = input.calls.length;
    for (const call of input.calls) {
      onExecute?.(call.name);
      void runToolCall(
        tools,
        { id: call.id, name: call.name, rawArguments: call.arguments },
        {
          conversationId: input.conversationId,
          signal: controller.signal,
        },
      ).then((result) => {
        running--;
        if (!controller.signal.aborted)
          sendBack({ type: 'tool.result', result } satisfies ConversationEvent);
      });
    }
    // Stopped with calls still running (a cancel, a close): they are aborted. Once every call has
    // ended there is nothing to abort, and an abort would only build an AbortError for nobody.
    return () => {
      if (running > 0) controller.abort();
    };
  });
}
