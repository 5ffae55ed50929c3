import type { Usage } from '@mistral-flows/core';
import type { CompletionEvent } from '@mistralai/mistralai/models/components';
import type { StreamEvent, ToolCallPart } from '../stream-event.js';
import { IncompleteStreamError, type Translator } from './run-stream.js';

type Chunk = CompletionEvent['data'];
type Delta = Chunk['choices'][number]['delta'];
type SdkToolCall = NonNullable<Delta['toolCalls']>[number];
type SdkUsage = NonNullable<Chunk['usage']>;

/**
 * Turns the chunks of `chat.stream` / `agents.stream` into stream events. Only the first choice
 * is streamed (`n` > 1 is for non-streamed calls). `response-start` is held back until the first
 * delta, so that a failure before it can be retried without consumers seeing anything.
 */
export class CompletionTranslator implements Translator<CompletionEvent> {
  started = false;
  text = '';
  private id = '';
  private model: string | undefined;
  private deltas = 0;
  private readonly toolCalls: ToolCallPart[] = [];
  private finishReason: string | undefined;
  private usage: Usage | undefined;

  constructor(private readonly attempt: number) {}

  push(event: CompletionEvent, emit: (event: StreamEvent) => void): void {
    const chunk = event.data;
    if (this.id === '') {
      this.id = chunk.id;
      this.model = chunk.model;
    }
    if (chunk.usage) this.usage = toUsage(chunk.usage);
    const choice =
      chunk.choices.length === 1 ? chunk.choices[0] : chunk.choices.find((c) => c.index === 0);
    if (!choice) return;
    const text = contentText(choice.delta.content);
    if (text !== '') {
      this.start(emit);
      this.text += text;
      emit({ type: 'text-delta', text, index: this.deltas++ });
    }
    const calls = choice.delta.toolCalls;
    if (calls) {
      for (const call of calls) {
        this.start(emit);
        const part = toToolCallPart(call, this.toolCalls.length);
        this.toolCalls.push(part);
        emit({ type: 'tool-call', ...part });
      }
    }
    if (choice.finishReason !== null && choice.finishReason !== undefined) {
      this.finishReason = choice.finishReason;
    }
  }

  end(emit: (event: StreamEvent) => void): void {
    if (this.finishReason === undefined) throw new IncompleteStreamError();
    this.start(emit);
    emit({
      type: 'response-end',
      id: this.id,
      model: this.model,
      finishReason: this.finishReason,
      usage: this.usage,
      text: this.text,
      toolCalls: this.toolCalls,
    });
  }

  private start(emit: (event: StreamEvent) => void): void {
    if (this.started) return;
    this.started = true;
    emit({ type: 'response-start', id: this.id, model: this.model, attempt: this.attempt });
  }
}

export function toUsage(
  usage: SdkUsage | { promptTokens?: number; completionTokens?: number; totalTokens?: number },
): Usage {
  const promptTokens = usage.promptTokens ?? 0;
  const completionTokens = usage.completionTokens ?? 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: usage.totalTokens ?? promptTokens + completionTokens,
  };
}

/** The text of a delta's content: a string, or the `text` of its text chunks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content as Array<{ type?: string; text?: unknown }>) {
    if (part && part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

export function parseArguments(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function toToolCallPart(call: SdkToolCall, position: number): ToolCallPart {
  const rawArguments =
    typeof call.function.arguments === 'string'
      ? call.function.arguments
      : JSON.stringify(call.function.arguments);
  return {
    id: call.id ?? `call_${position}`,
    name: call.function.name,
    arguments:
      typeof call.function.arguments === 'string'
        ? parseArguments(rawArguments)
        : call.function.arguments,
    rawArguments,
    index: call.index ?? position,
  };
}
