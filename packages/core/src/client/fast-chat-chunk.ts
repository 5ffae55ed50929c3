import type { SseMessage } from '@mistralai/mistralai/lib/event-streams.js';
import {
  CompletionEvent$inboundSchema,
  type CompletionEvent,
} from '@mistralai/mistralai/models/components';
import { isObject, readContentAndToolCalls, readUsage } from './fast-chat-response.js';

/**
 * Reads one server-sent event of a streamed chat completion into what the SDK's
 * `CompletionEvent$inboundSchema` returns: `{ data }`, the chunk with camelCase keys in the SDK's
 * order (`finishReason`, `toolCalls`, `toolCallId`), unknown keys dropped except in `usage`.
 *
 * Hand-written checks cover the chunks the API sends (string or null delta content, string
 * tool-call arguments). Anything else, malformed JSON included, goes through the SDK's own
 * schema, so that the event, or the `ZodError` the stream then fails with, is the SDK's own.
 */
export function readCompletionEvent(event: SseMessage<string>): CompletionEvent {
  return fastEvent(event.data) ?? CompletionEvent$inboundSchema.parse(event);
}

type Chunk = CompletionEvent['data'];
type StreamChoice = Chunk['choices'][number];
type Delta = StreamChoice['delta'];

function fastEvent(data: string | undefined): CompletionEvent | undefined {
  if (data === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isObject(raw)) return undefined;
  const { id, object, created, model } = raw;
  if (typeof id !== 'string' || typeof model !== 'string') return undefined;
  if (object !== undefined && typeof object !== 'string') return undefined;
  if (created !== undefined && !Number.isSafeInteger(created)) return undefined;
  if (!Array.isArray(raw.choices)) return undefined;
  const chunk: Chunk = { id } as Chunk;
  if (object !== undefined) chunk.object = object;
  if (created !== undefined) chunk.created = created as number;
  chunk.model = model;
  if (raw.usage !== undefined) {
    const usage = readUsage(raw.usage);
    if (!usage) return undefined;
    chunk.usage = usage;
  }
  const choices: StreamChoice[] = [];
  for (const item of raw.choices as unknown[]) {
    const choice = fastStreamChoice(item);
    if (!choice) return undefined;
    choices.push(choice);
  }
  chunk.choices = choices;
  return { data: chunk };
}

function fastStreamChoice(raw: unknown): StreamChoice | undefined {
  if (!isObject(raw)) return undefined;
  const { index, finish_reason: reason } = raw;
  if (!Number.isSafeInteger(index)) return undefined;
  // Required and nullable: a missing key is refused by the SDK's schema.
  if (reason !== null && typeof reason !== 'string') return undefined;
  const delta = fastDelta(raw.delta);
  if (!delta) return undefined;
  return { index: index as number, delta, finishReason: reason as StreamChoice['finishReason'] };
}

function fastDelta(raw: unknown): Delta | undefined {
  if (!isObject(raw)) return undefined;
  const { role, content, tool_calls: rawCalls, tool_call_id: toolCallId, index, metadata } = raw;
  const delta: Delta = {};
  if (role !== undefined) {
    if (role !== null && typeof role !== 'string') return undefined;
    delta.role = role;
  }
  if (!readContentAndToolCalls(content, rawCalls, delta)) return undefined;
  if (toolCallId !== undefined) {
    if (toolCallId !== null && typeof toolCallId !== 'string') return undefined;
    delta.toolCallId = toolCallId;
  }
  if (index !== undefined) {
    if (index !== null && !Number.isSafeInteger(index)) return undefined;
    delta.index = index as number | null;
  }
  // Metadata (a record the SDK copies) is left to the SDK's schema.
  if (metadata !== undefined) return undefined;
  return delta;
}
