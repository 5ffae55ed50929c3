import {
  ChatCompletionResponse$inboundSchema,
  type ChatCompletionResponse,
} from '@mistralai/mistralai/models/components';

/**
 * Reads a parsed `POST /v1/chat/completions` body into the object the SDK's
 * `ChatCompletionResponse$inboundSchema` returns: the same camelCase keys in the same order, the
 * same defaults (`usage` token counts 0, a message's `role: 'assistant'` and `prefix: false`, a
 * tool call's `id: 'null'`, `type: 'function'` and `index: 0`), unknown keys dropped except in
 * `usage`, which keeps them as they came.
 *
 * Hand-written checks cover the shapes the API sends on the hot path (string or null content,
 * string tool-call arguments). Anything else, a value of the wrong type included, goes through
 * the SDK's own schema, so that the result, or the error thrown (a `ZodError`, which the caller
 * wraps in `ResponseValidationError` as the SDK does), is the SDK's own.
 */
export function readChatCompletion(raw: unknown): ChatCompletionResponse {
  return fastChatCompletion(raw) ?? ChatCompletionResponse$inboundSchema.parse(raw);
}

function fastChatCompletion(raw: unknown): ChatCompletionResponse | undefined {
  if (!isObject(raw)) return undefined;
  const { id, object, model, created } = raw;
  if (typeof id !== 'string' || typeof object !== 'string' || typeof model !== 'string') {
    return undefined;
  }
  if (!Number.isSafeInteger(created)) return undefined;
  const usage = readUsage(raw.usage);
  if (!usage || !Array.isArray(raw.choices)) return undefined;
  const choices: ChatCompletionResponse['choices'] = [];
  for (const item of raw.choices as unknown[]) {
    const choice = fastChoice(item);
    if (!choice) return undefined;
    choices.push(choice);
  }
  return { id, object, model, usage, created: created as number, choices };
}

type Usage = ChatCompletionResponse['usage'];
const USAGE_KEYS = new Set([
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'prompt_audio_seconds',
  'service_tier',
]);

/** `usage` as the SDK's `UsageInfo` schema reads it, or `undefined` when it would not. */
export function readUsage(raw: unknown): Usage | undefined {
  if (!isObject(raw)) return undefined;
  const promptTokens = tokens(raw.prompt_tokens);
  const completionTokens = tokens(raw.completion_tokens);
  const totalTokens = tokens(raw.total_tokens);
  if (promptTokens === undefined || completionTokens === undefined || totalTokens === undefined) {
    return undefined;
  }
  const usage: Usage = { promptTokens, completionTokens, totalTokens };
  const audio = raw.prompt_audio_seconds;
  if (audio !== undefined) {
    if (audio !== null && !Number.isSafeInteger(audio)) return undefined;
    usage.promptAudioSeconds = audio as number | null;
  }
  const tier = raw.service_tier;
  if (tier !== undefined) {
    if (tier !== null && typeof tier !== 'string') return undefined;
    usage.serviceTier = tier;
  }
  // Extra counters (`num_cached_tokens`, `prompt_tokens_details`, ...) are kept as they came.
  for (const key in raw) if (!USAGE_KEYS.has(key)) usage[key] = raw[key];
  return usage;
}

/** A token count: an integer, 0 when absent. */
function tokens(value: unknown): number | undefined {
  if (value === undefined) return 0;
  return Number.isSafeInteger(value) ? (value as number) : undefined;
}

type Choice = ChatCompletionResponse['choices'][number];
type Message = NonNullable<Choice['message']>;
type ToolCall = NonNullable<Message['toolCalls']>[number];

function fastChoice(raw: unknown): Choice | undefined {
  if (!isObject(raw)) return undefined;
  const { index, finish_reason: reason } = raw;
  // `messages` (delta messages) is left to the SDK's schema.
  if (!Number.isSafeInteger(index) || typeof reason !== 'string') return undefined;
  if (raw.messages !== undefined) return undefined;
  // An open enum: any string, as the SDK's schema reads it.
  const finishReason = reason as Choice['finishReason'];
  if (raw.message === undefined) return { index: index as number, finishReason };
  const message = fastMessage(raw.message);
  return message && { index: index as number, message, finishReason };
}

function fastMessage(raw: unknown): Message | undefined {
  if (!isObject(raw)) return undefined;
  const { role, content, tool_calls: rawCalls, prefix } = raw;
  if (role !== undefined && role !== 'assistant') return undefined;
  if (prefix !== undefined && typeof prefix !== 'boolean') return undefined;
  const message: Message = { role: 'assistant' };
  if (!readContentAndToolCalls(content, rawCalls, message)) return undefined;
  message.prefix = prefix ?? false;
  return message;
}

/**
 * Sets a message's or a delta's `content` (a string or null) and `tool_calls`, when present, on
 * `into` as the SDK's schemas read them; `false` when those schemas would refuse them or read them
 * otherwise (content chunks, object arguments).
 */
export function readContentAndToolCalls(
  content: unknown,
  rawCalls: unknown,
  into: { content?: unknown; toolCalls?: unknown },
): boolean {
  if (content !== undefined) {
    if (content !== null && typeof content !== 'string') return false;
    into.content = content;
  }
  if (rawCalls !== undefined) {
    const toolCalls = readToolCalls(rawCalls);
    if (toolCalls === false) return false;
    into.toolCalls = toolCalls;
  }
  return true;
}

/**
 * A message's or a delta's `tool_calls` (present) as the SDK's schemas read them: `null`, the
 * calls, or `false` when those schemas would refuse them or copy object arguments.
 */
function readToolCalls(raw: unknown): ToolCall[] | null | false {
  if (raw === null) return null;
  if (!Array.isArray(raw)) return false;
  const toolCalls: ToolCall[] = [];
  for (const item of raw as unknown[]) {
    const call = readToolCall(item);
    if (!call) return false;
    toolCalls.push(call);
  }
  return toolCalls;
}

/**
 * A tool call as the SDK's `ToolCall` schema reads it, or `undefined` when that schema would
 * refuse it or copy object arguments.
 */
function readToolCall(raw: unknown): ToolCall | undefined {
  if (!isObject(raw)) return undefined;
  const { id = 'null', type = 'function', function: fn, index = 0 } = raw;
  if (typeof id !== 'string' || typeof type !== 'string' || !Number.isSafeInteger(index)) {
    return undefined;
  }
  // Object arguments are left to the SDK's schema, which copies them.
  if (!isObject(fn) || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
    return undefined;
  }
  return {
    id,
    type: type as ToolCall['type'],
    function: { name: fn.name, arguments: fn.arguments },
    index: index as number,
  };
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
