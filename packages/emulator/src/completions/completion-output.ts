import { dataFrame, doneFrame } from '../http/sse.js';
import type { ModelTurn } from '../model/scripted-model.js';

/** The identity of one completion: its id, model and creation time (epoch seconds). */
export interface CompletionMeta {
  id: string;
  model: string;
  created: number;
}

function toolCallsJson(turn: ModelTurn['choices'][number]) {
  return turn.toolCalls.map((call, index) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
    index,
  }));
}

/** The non-streamed chat completion body (`POST /v1/chat/completions`, `/v1/agents/completions`). */
export function completionBody(meta: CompletionMeta, turn: ModelTurn): Record<string, unknown> {
  return {
    id: meta.id,
    object: 'chat.completion',
    model: meta.model,
    created: meta.created,
    usage: turn.usage,
    choices: turn.choices.map((choice) => ({
      index: choice.index,
      finish_reason: choice.finishReason,
      message: {
        role: 'assistant',
        content: choice.content,
        tool_calls: choice.toolCalls.length > 0 ? toolCallsJson(choice) : null,
        prefix: false,
      },
    })),
  };
}

/** A streamed completion as SSE frames, with the position of the content frames. */
export interface CompletionFrames {
  frames: string[];
  /** Wait before each frame (ms). */
  delays: number[];
  /** Number of frames before the last chunk (role, content and tool-call chunks). */
  bodyFrames: number;
}

/**
 * The streamed form of a turn, as the real API sends it: a role chunk per choice
 * (`{role:"assistant",content:""}`), one chunk per content token, the tool calls whole in one
 * chunk, a last chunk per choice with `finish_reason` (the very last one with `usage`), then
 * `data: [DONE]`. `finish_reason` is on every chunk (`null` until the end); `usage` only on the last.
 */
export function completionFrames(
  meta: CompletionMeta,
  turn: ModelTurn,
  latency: { ttftMs: number; tokenMs: number } = { ttftMs: 0, tokenMs: 0 },
): CompletionFrames {
  const head = `{"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(meta.model)},"choices":[`;
  const frames: string[] = [];
  const delays: number[] = [];
  const push = (choiceJson: string, delay: number, tail = ']}') => {
    frames.push(dataFrame(head + choiceJson + tail));
    delays.push(delay);
  };
  for (const choice of turn.choices) {
    push(
      `{"index":${choice.index},"delta":{"role":"assistant","content":""},"finish_reason":null}`,
      frames.length === 0 ? latency.ttftMs : 0,
    );
  }
  const longest = Math.max(...turn.choices.map((c) => c.pieces.length));
  for (let i = 0; i < longest; i++) {
    for (const choice of turn.choices) {
      const piece = choice.pieces[i];
      if (piece === undefined) continue;
      push(
        `{"index":${choice.index},"delta":{"content":${JSON.stringify(piece)}},"finish_reason":null}`,
        i === 0 ? 0 : latency.tokenMs,
      );
    }
  }
  for (const choice of turn.choices) {
    if (choice.toolCalls.length === 0) continue;
    push(
      `{"index":${choice.index},"delta":{"content":"","tool_calls":${JSON.stringify(toolCallsJson(choice))}},"finish_reason":null}`,
      longest === 0 ? 0 : latency.tokenMs,
    );
  }
  const bodyFrames = frames.length;
  turn.choices.forEach((choice, i) => {
    const last = i === turn.choices.length - 1;
    push(
      `{"index":${choice.index},"delta":{"content":""},"finish_reason":"${choice.finishReason}"}`,
      0,
      last ? `],"usage":${JSON.stringify(turn.usage)}}` : ']}',
    );
  });
  frames.push(doneFrame);
  delays.push(0);
  return { frames, delays, bodyFrames };
}
