import { isoTime } from '../http/clock.js';
import { eventFrame } from '../http/sse.js';
import type { TurnResult } from './conversation-turn.js';

/** A conversation turn as SSE frames, with where each message-output delta is. */
export interface ConversationFrames {
  frames: string[];
  delays: number[];
  /** Indexes (in `frames`) of the `message.output.delta` frames. */
  deltaFrames: number[];
}

/**
 * The streamed form of a conversation turn: `conversation.response.started`, then per output
 * `agent.handoff.started`/`.done`, `tool.execution.started`/`.delta`/`.done`, one
 * `message.output.delta` per token, or `function.call.delta` (with the `confirmation_status` of a
 * platform tool's call), and finally
 * `conversation.response.done` with the usage. Every frame has its `event:` line; no `[DONE]`.
 */
export function conversationFrames(
  conversationId: string,
  result: TurnResult,
  now: number,
  latency: { ttftMs: number; tokenMs: number },
): ConversationFrames {
  const created_at = isoTime(now);
  const frames: string[] = [];
  const delays: number[] = [];
  const deltaFrames: number[] = [];
  const push = (type: string, data: Record<string, unknown>, delay: number) => {
    frames.push(eventFrame(type, JSON.stringify({ type, created_at, ...data })));
    delays.push(delay);
  };
  push('conversation.response.started', { conversation_id: conversationId }, 0);
  result.outputs.forEach((entry, output_index) => {
    switch (entry.type) {
      case 'agent.handoff':
        push(
          'agent.handoff.started',
          {
            output_index,
            id: entry.id,
            previous_agent_id: entry.previous_agent_id,
            previous_agent_name: entry.previous_agent_name,
          },
          latency.tokenMs,
        );
        push(
          'agent.handoff.done',
          {
            output_index,
            id: entry.id,
            next_agent_id: entry.next_agent_id,
            next_agent_name: entry.next_agent_name,
          },
          0,
        );
        break;
      case 'tool.execution':
        push(
          'tool.execution.started',
          {
            output_index,
            id: entry.id,
            name: entry.name,
            arguments: '',
            model: entry.model,
            agent_id: entry.agent_id,
          },
          latency.tokenMs,
        );
        push(
          'tool.execution.delta',
          { output_index, id: entry.id, name: entry.name, arguments: entry.arguments },
          0,
        );
        push(
          'tool.execution.done',
          { output_index, id: entry.id, name: entry.name, info: entry.info },
          latency.tokenMs,
        );
        break;
      case 'function.call':
        push(
          'function.call.delta',
          {
            output_index,
            id: entry.id,
            name: entry.name,
            tool_call_id: entry.tool_call_id,
            arguments: entry.arguments,
            model: entry.model,
            agent_id: entry.agent_id,
            ...(entry.confirmation_status === undefined
              ? {}
              : { confirmation_status: entry.confirmation_status }),
          },
          latency.tokenMs,
        );
        break;
      case 'message.output': {
        const pieces = result.pieces.get(entry.id as string) ?? [entry.content as string];
        pieces.forEach((content, i) => {
          deltaFrames.push(frames.length);
          push(
            'message.output.delta',
            {
              output_index,
              id: entry.id,
              content_index: 0,
              model: entry.model,
              agent_id: entry.agent_id,
              role: 'assistant',
              content,
            },
            i === 0 ? 0 : latency.tokenMs,
          );
        });
        break;
      }
      default:
        break;
    }
  });
  push('conversation.response.done', { usage: result.usage }, 0);
  // The first event after `started` waits for the time to first token.
  if (frames.length > 2) delays[1] = latency.ttftMs;
  return { frames, delays, deltaFrames };
}
