import type {
  ConversationRequest,
  ConversationStreamRequest,
} from '@mistralai/mistralai/models/components';
import type {
  AgentsApiV1ConversationsAppendRequest,
  AgentsApiV1ConversationsAppendStreamRequest,
} from '@mistralai/mistralai/models/operations';
import {
  STREAM,
  arrayOf,
  boolean,
  byKey,
  finite,
  functionTool,
  integer,
  isPlainObject,
  literal,
  nullable,
  objectConverter,
  oneOf,
  record,
  requestBody,
  requestConverters,
  responseFormat,
  string,
  stringOrStrings,
  type Convert,
  type Field,
} from './fast-chat-request.js';

/**
 * The JSON body the SDK would send for `request` on `POST /v1/conversations` (`start`, or
 * `startStream` when `stream`): snake_case keys in the SDK's order, `"stream"` always sent, the
 * defaults its schemas add to input entries (`object: 'entry'`, `prefix: false`). `undefined`
 * when the request holds anything this converter does not handle: inputs other than a string or
 * `message.input` (string content) and `function.result` entries carrying their `type`, tools
 * other than functions, `guardrails`, `prediction`, dates, a key the SDK does not know, or a value
 * the SDK would refuse. The caller then sends the request through the SDK, which serialises it or
 * throws its own validation error, so that the fast wire never sends something the SDK would not.
 */
export function conversationStartBody(
  request: ConversationRequest | ConversationStreamRequest,
  stream = false,
): Record<string, unknown> | undefined {
  return requestBody(stream ? START.stream : START.complete, request);
}

/** Where an append goes and what it sends. */
export interface ConversationAppend {
  /** The path under the server URL: `v1/conversations/{conversation_id}`, the id percent-encoded. */
  path: string;
  body: Record<string, unknown>;
}

/**
 * The path and JSON body the SDK would send for `request` on
 * `POST /v1/conversations/{conversation_id}` (`append`, or `appendStream` when `stream`), with the
 * defaults the SDK's schema adds (`store: true`, `handoff_execution: 'server'`); `undefined` for
 * what the converter does not handle, as `conversationStartBody`.
 */
export function conversationAppend(
  request: AgentsApiV1ConversationsAppendRequest | AgentsApiV1ConversationsAppendStreamRequest,
  stream = false,
): ConversationAppend | undefined {
  const bodyKey = stream ? 'conversationAppendStreamRequest' : 'conversationAppendRequest';
  const source: unknown = request;
  if (!isPlainObject(source)) return undefined;
  for (const key in source) {
    if (source[key] !== undefined && key !== 'conversationId' && key !== bodyKey) return undefined;
  }
  const { conversationId } = source;
  if (typeof conversationId !== 'string') return undefined;
  const body = requestBody(stream ? APPEND.stream : APPEND.complete, source[bodyKey]);
  return body && { path: `v1/conversations/${encodeURIComponent(conversationId)}`, body };
}

/** An input entry of `type`: the SDK's `object: 'entry'` default, the type, an id, then `fields`. */
const entryConverter = (type: string, fields: readonly Field[]) =>
  objectConverter([
    ['object', 'object', literal('entry'), false, 'entry'],
    ['type', 'type', literal(type), true],
    ['id', 'id', string],
    ...fields,
  ]);

const messageInputEntry = entryConverter('message.input', [
  ['role', 'role', string, true],
  ['content', 'content', string, true],
  ['prefix', 'prefix', boolean, false, false],
]);
const functionResultEntry = entryConverter('function.result', [
  ['toolCallId', 'tool_call_id', string, true],
  ['result', 'result', string, true],
]);

/**
 * The entries the project sends (user messages, function results), by their `type`: without it
 * the SDK's union picks the entry by the fields given, which is left to the SDK.
 */
const inputEntry = byKey('type', {
  'message.input': messageInputEntry,
  'function.result': functionResultEntry,
});
const inputs: Convert = (v) => (typeof v === 'string' ? v : arrayOf(inputEntry)(v));

const completionArgs = objectConverter([
  ['stop', 'stop', nullable(stringOrStrings)],
  ['presencePenalty', 'presence_penalty', nullable(finite)],
  ['frequencyPenalty', 'frequency_penalty', nullable(finite)],
  ['temperature', 'temperature', nullable(finite)],
  ['topP', 'top_p', nullable(finite)],
  ['maxTokens', 'max_tokens', nullable(integer)],
  ['randomSeed', 'random_seed', nullable(integer)],
  ['responseFormat', 'response_format', nullable(responseFormat)],
  ['toolChoice', 'tool_choice', string],
  ['reasoningEffort', 'reasoning_effort', nullable(string)],
]);

const handoffExecution = oneOf('client', 'server');

const START_FIELDS: readonly Field[] = [
  ['inputs', 'inputs', inputs, true],
  STREAM,
  ['store', 'store', nullable(boolean)],
  ['handoffExecution', 'handoff_execution', nullable(handoffExecution)],
  ['instructions', 'instructions', nullable(string)],
  ['tools', 'tools', nullable(arrayOf(functionTool))],
  ['completionArgs', 'completion_args', nullable(completionArgs)],
  ['name', 'name', nullable(string)],
  ['description', 'description', nullable(string)],
  ['metadata', 'metadata', nullable(record)],
  ['agentId', 'agent_id', nullable(string)],
  ['agentVersion', 'agent_version', nullable((v) => (typeof v === 'string' ? v : integer(v)))],
  ['model', 'model', nullable(string)],
];

const toolConfirmation = objectConverter([
  ['toolCallId', 'tool_call_id', string, true],
  ['confirmation', 'confirmation', oneOf('allow', 'deny'), true],
]);

const APPEND_FIELDS: readonly Field[] = [
  ['inputs', 'inputs', inputs],
  STREAM,
  ['store', 'store', boolean, false, true],
  ['handoffExecution', 'handoff_execution', handoffExecution, false, 'server'],
  ['completionArgs', 'completion_args', completionArgs],
  ['toolConfirmations', 'tool_confirmations', nullable(arrayOf(toolConfirmation))],
];

const START = requestConverters(START_FIELDS);
const APPEND = requestConverters(APPEND_FIELDS);
