import type {
  AgentsCompletionRequest,
  AgentsCompletionStreamRequest,
  ChatCompletionRequest,
  ChatCompletionStreamRequest,
} from '@mistralai/mistralai/models/components';

/** What a converter returns for a value the fast wire does not send itself. */
export const UNHANDLED: unique symbol = Symbol('unhandled');
type Unhandled = typeof UNHANDLED;
export type Convert = (value: unknown) => unknown;

/**
 * The JSON body the SDK would send for `request` on `POST /v1/chat/completions` (snake_case keys
 * in the SDK's order; `"stream"`, `false` for `complete` and `true` for `stream`; the defaults its
 * schemas add such as an assistant message's `prefix: false` and a tool call's `type` and
 * `index`), or `undefined` when the request holds anything this converter does not handle:
 * content chunks instead of strings, tools other than functions, `prediction`, `guardrails`, a
 * key the SDK does not know, or a value the SDK would refuse. The caller then sends the request
 * through the SDK, which serialises it or throws its own validation error, so that the fast wire
 * never sends something the SDK would not.
 */
export function chatRequestBody(
  request: ChatCompletionRequest | ChatCompletionStreamRequest,
  stream = false,
): Record<string, unknown> | undefined {
  return requestBody(stream ? CHAT.stream : CHAT.complete, request);
}

/**
 * The JSON body the SDK would send for `request` on `POST /v1/agents/completions`, as
 * `chatRequestBody` does for chat: the same fields and messages but no `model`, `temperature`,
 * `top_p` or `safe_prompt`, and `agent_id` last; `undefined` for what the converter does not
 * handle, which the caller then sends through the SDK.
 */
export function agentsRequestBody(
  request: AgentsCompletionRequest | AgentsCompletionStreamRequest,
  stream = false,
): Record<string, unknown> | undefined {
  return requestBody(stream ? AGENTS.stream : AGENTS.complete, request);
}

export function requestBody(
  convert: Convert,
  request: unknown,
): Record<string, unknown> | undefined {
  const body = convert(request);
  return body === UNHANDLED ? undefined : (body as Record<string, unknown>);
}

/**
 * Serialises a body from `chatRequestBody` as the SDK does (`Uint8Array` values as base64), to
 * the same bytes.
 */
export function stringifyChatRequestBody(body: Record<string, unknown>): string {
  return JSON.stringify(body, bytesAsBase64);
}

function bytesAsBase64(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `value` when it is a plain object whose defined keys are all in `keys`, else `UNHANDLED`. */
function objectWith(
  value: unknown,
  keys: ReadonlySet<string>,
): Record<string, unknown> | Unhandled {
  if (!isPlainObject(value)) return UNHANDLED;
  for (const key in value) if (value[key] !== undefined && !keys.has(key)) return UNHANDLED;
  return value;
}

export const string: Convert = (v) => (typeof v === 'string' ? v : UNHANDLED);
export const boolean: Convert = (v) => (typeof v === 'boolean' ? v : UNHANDLED);
export const finite: Convert = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : UNHANDLED);
export const integer: Convert = (v) => (Number.isSafeInteger(v) ? v : UNHANDLED);
export const record: Convert = (v) => (isPlainObject(v) ? v : UNHANDLED);
export const nullable =
  (convert: Convert): Convert =>
  (v) =>
    v === null ? null : convert(v);
/**
 * Converts a plain object with the converter `table` lists for its `key` (a role, a type), or
 * `UNHANDLED` when there is none.
 */
export const byKey =
  (key: string, table: Record<string, Convert>): Convert =>
  (v) => {
    const tag = isPlainObject(v) ? v[key] : undefined;
    const convert = typeof tag === 'string' && Object.hasOwn(table, tag) ? table[tag] : undefined;
    return convert ? convert(v) : UNHANDLED;
  };
/** A literal the SDK's schema defaults to or requires, which the caller may also spell out. */
export const literal =
  (value: string): Convert =>
  (v) =>
    v === value ? v : UNHANDLED;
/** A value of a closed enum. */
export const oneOf =
  (...values: string[]): Convert =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? v : UNHANDLED;
export const stringOrStrings: Convert = (v) =>
  typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'))
    ? v
    : UNHANDLED;
export const arrayOf =
  (convert: Convert): Convert =>
  (v) => {
    if (!Array.isArray(v)) return UNHANDLED;
    const out: unknown[] = [];
    for (const item of v) {
      const wire = convert(item);
      if (wire === UNHANDLED) return UNHANDLED;
      out.push(wire);
    }
    return out;
  };

/**
 * Copies the defined fields of `value` listed in `fields` under their wire names, in that order;
 * `UNHANDLED` when a key is unknown, a required one missing or a value not handled.
 */
function convertObject(value: unknown, fields: readonly Field[], keys: ReadonlySet<string>) {
  const source = objectWith(value, keys);
  return source === UNHANDLED ? UNHANDLED : copyFields(source, fields);
}

/**
 * Copies the fields of `source` listed in `fields`, in that order, from their first key to their
 * second, each through its converter, with its default when absent; other keys are left behind.
 * `UNHANDLED` when a required field is missing or a value not handled. The request converters
 * copy camelCase keys to wire keys, the response readers (`fast-conversation-response.ts`) wire
 * keys to camelCase ones.
 */
export function copyFields(
  source: Record<string, unknown>,
  fields: readonly Field[],
): Record<string, unknown> | Unhandled {
  const out: Record<string, unknown> = {};
  for (const [key, wireKey, convert, required, fallback] of fields) {
    const v = source[key];
    if (v === undefined) {
      if (fallback !== undefined) out[wireKey] = fallback;
      else if (required) return UNHANDLED;
      continue;
    }
    const wire = convert(v);
    if (wire === UNHANDLED) return UNHANDLED;
    out[wireKey] = wire;
  }
  return out;
}

/**
 * `[camelCase key, wire key, converter, required, default]`, in the order the SDK writes them; the
 * default is sent when the value is undefined, as the SDK's schemas do. (The response readers
 * list `[wire key, camelCase key, ...]`, in the order the SDK reads them.)
 */
export type Field = readonly [
  key: string,
  wireKey: string,
  convert: Convert,
  required?: boolean,
  fallback?: unknown,
];

export const objectConverter = (fields: readonly Field[]): Convert => {
  const keys = new Set(fields.map(([key]) => key));
  return (v) => convertObject(v, fields, keys);
};

const functionCall = objectConverter([
  ['name', 'name', string, true],
  ['arguments', 'arguments', (v) => (typeof v === 'string' ? v : record(v)), true],
]);

const toolCall = objectConverter([
  ['id', 'id', string, false, 'null'],
  ['type', 'type', string, false, 'function'],
  ['function', 'function', functionCall, true],
  ['index', 'index', integer, false, 0],
]);

const systemMessage = objectConverter([
  ['role', 'role', string, true],
  ['content', 'content', string, true],
]);
const userMessage = objectConverter([
  ['role', 'role', string, true],
  ['content', 'content', nullable(string), true],
]);
const toolMessage = objectConverter([
  ['role', 'role', string, true],
  ['content', 'content', nullable(string), true],
  ['toolCallId', 'tool_call_id', nullable(string)],
  ['name', 'name', nullable(string)],
]);
const assistantMessage = objectConverter([
  ['role', 'role', string, true],
  ['content', 'content', nullable(string)],
  ['toolCalls', 'tool_calls', nullable(arrayOf(toolCall))],
  ['prefix', 'prefix', boolean, false, false],
]);

const message = byKey('role', {
  system: systemMessage,
  user: userMessage,
  tool: toolMessage,
  assistant: assistantMessage,
});

export const functionTool = objectConverter([
  ['type', 'type', (v) => (v === 'function' ? v : UNHANDLED), true],
  [
    'function',
    'function',
    objectConverter([
      ['name', 'name', string, true],
      ['description', 'description', string],
      ['strict', 'strict', boolean],
      ['parameters', 'parameters', record, true],
    ]),
    true,
  ],
]);

const jsonSchema = objectConverter([
  ['name', 'name', string, true],
  ['description', 'description', nullable(string)],
  ['schemaDefinition', 'schema', record, true],
  ['strict', 'strict', boolean],
]);
export const responseFormat = objectConverter([
  ['type', 'type', string],
  ['jsonSchema', 'json_schema', nullable(jsonSchema)],
]);

const namedFunction = objectConverter([['name', 'name', string, true]]);
const toolChoiceObject = objectConverter([
  ['type', 'type', string, false, 'function'],
  ['function', 'function', namedFunction, true],
]);
const toolChoice: Convert = (v) => (typeof v === 'string' ? v : toolChoiceObject(v));

const serviceTier: Convert = (v) => (v === 'auto' || v === 'standard_only' ? v : UNHANDLED);

/** Where `stream` goes: the SDK always sends it, `false` for `complete`, `true` for `stream`. */
export const STREAM: Field = ['stream', 'stream', string];
/** The fields chat and agents requests share, in the SDK's order. */
const SHARED_FIELDS: readonly Field[] = [
  ['maxTokens', 'max_tokens', nullable(integer)],
  STREAM,
  ['stop', 'stop', nullable(stringOrStrings)],
  ['randomSeed', 'random_seed', nullable(integer)],
  ['metadata', 'metadata', nullable(record)],
  ['messages', 'messages', arrayOf(message), true],
  ['responseFormat', 'response_format', responseFormat],
  ['tools', 'tools', nullable(arrayOf(functionTool))],
  ['toolChoice', 'tool_choice', toolChoice],
  ['presencePenalty', 'presence_penalty', nullable(finite)],
  ['frequencyPenalty', 'frequency_penalty', nullable(finite)],
  ['n', 'n', nullable(integer)],
  ['parallelToolCalls', 'parallel_tool_calls', boolean],
  ['reasoningEffort', 'reasoning_effort', nullable(string)],
  ['promptMode', 'prompt_mode', nullable(string)],
  ['promptCacheKey', 'prompt_cache_key', nullable(string)],
  ['serviceTier', 'service_tier', nullable(serviceTier)],
];
const CHAT_FIELDS: readonly Field[] = [
  ['model', 'model', string, true],
  ['temperature', 'temperature', nullable(finite)],
  ['topP', 'top_p', nullable(finite)],
  ...SHARED_FIELDS,
  ['safePrompt', 'safe_prompt', boolean],
];
const AGENTS_FIELDS: readonly Field[] = [...SHARED_FIELDS, ['agentId', 'agent_id', string, true]];

/** The request converters of an endpoint for `complete` (`stream` false) and `stream` (true). */
export function requestConverters(fields: readonly Field[]) {
  const converter = (stream: boolean) =>
    objectConverter(
      fields.map((field) =>
        field === STREAM
          ? (['stream', 'stream', (v) => (v === stream ? v : UNHANDLED), false, stream] as const)
          : field,
      ),
    );
  return { complete: converter(false), stream: converter(true) };
}
const CHAT = requestConverters(CHAT_FIELDS);
const AGENTS = requestConverters(AGENTS_FIELDS);
