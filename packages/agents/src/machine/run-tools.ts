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
        if (!controller.signal.aborted)
          sendBack({ type: 'tool.result', result } satisfies ConversationEvent);
      });
    }
    return () => controller.abort();
  });
}
