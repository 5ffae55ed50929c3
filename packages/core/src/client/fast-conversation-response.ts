import type { SseMessage } from '@mistralai/mistralai/lib/event-streams.js';
import {
  ConversationEvents$inboundSchema,
  ConversationResponse$inboundSchema,
  type ConversationEvents,
  type ConversationResponse,
} from '@mistralai/mistralai/models/components';
import {
  UNHANDLED,
  arrayOf,
  byKey,
  copyFields,
  integer,
  literal,
  nullable,
  string,
  type Convert as Read,
  type Field,
} from './fast-chat-request.js';
import { isObject } from './fast-chat-response.js';

/**
 * Reads a parsed `POST /v1/conversations` or `/v1/conversations/{id}` body into the object the
 * SDK's `ConversationResponse$inboundSchema` returns: the same camelCase keys in the same order,
 * the same defaults (`object: 'entry'`, an output's `role: 'assistant'`, usage counts 0), dates
 * as `Date`s, unknown keys dropped.
 *
 * Hand-written checks cover what the API sends on the hot path: `message.output` entries with
 * string content and `function.call` entries with string arguments, UTC timestamps. Anything
 * else (content chunks, tool executions, handoffs, guardrails, connector usage, a value of the
 * wrong type) goes through the SDK's own schema, so that the result, or the error thrown (a
 * `ZodError`, which the caller wraps in `ResponseValidationError` as the SDK does), is the SDK's.
 */
export function readConversationResponse(raw: unknown): ConversationResponse {
  const fast = RESPONSE(raw);
  return fast === SLOW
    ? ConversationResponse$inboundSchema.parse(raw)
    : (fast as ConversationResponse);
}

/**
 * Reads one server-sent event of a streamed conversation into what the SDK's
 * `ConversationEvents$inboundSchema` returns: `{ event, data }`, the data with camelCase keys in
 * the SDK's order. Hand-written checks cover `conversation.response.started`, `.done` and
 * `.error`, `message.output.delta` with string content and `function.call.delta`; any other
 * event, malformed JSON included, goes through the SDK's own schema, so that the event (an
 * unknown one as the SDK's `{ raw, type: 'UNKNOWN', isUnknown }`), or the `ZodError` the stream
 * then fails with, is the SDK's own.
 */
export function readConversationEvent(event: SseMessage<string>): ConversationEvents {
  return fastEvent(event) ?? ConversationEvents$inboundSchema.parse(event);
}

/** What a reader returns for a value left to the SDK's schema. */
const SLOW = UNHANDLED;

/**
 * A reader of a JSON object into the SDK's: `fields` (`[wire key, camelCase key, reader, required,
 * default]`) in their order under their camelCase keys, defaults for the missing ones that have
 * one, other keys dropped; `SLOW` when a required field is missing or a value is not handled.
 */
const objectReader =
  (fields: readonly Field[]): Read =>
  (raw) =>
    isObject(raw) ? copyFields(raw, fields) : SLOW;

/** UTC timestamps only; offsets, leap seconds and anything else are left to the SDK's schema. */
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/**
 * An ISO timestamp as the SDK's `z.iso.datetime({ offset: true })` reads it, into a `Date`: one
 * that names a real date and time, which `Date` writes back the same to the second.
 */
const date: Read = (v) => {
  if (typeof v !== 'string' || !UTC_TIMESTAMP.test(v)) return SLOW;
  const parsed = new Date(v);
  const time = parsed.getTime();
  if (Number.isNaN(time) || parsed.toISOString().slice(0, 19) !== v.slice(0, 19)) return SLOW;
  return parsed;
};

/** The confirmation statuses the SDK knows; others it marks as unrecognized, through its schema. */
const confirmationStatus: Read = (v) =>
  v === null || v === 'pending' || v === 'allowed' || v === 'denied' ? v : SLOW;

const CREATED_AT: Field = ['created_at', 'createdAt', date];
const ENTRY_HEAD: readonly Field[] = [
  ['object', 'object', literal('entry'), false, 'entry'],
  // Set in each entry's reader: the entry's type, a default the SDK adds.
  ['type', 'type', string, true],
  CREATED_AT,
  ['completed_at', 'completedAt', nullable(date)],
  ['agent_id', 'agentId', nullable(string)],
  ['model', 'model', nullable(string)],
  ['id', 'id', string],
];
const entryHead = (type: string): Field[] =>
  ENTRY_HEAD.map((field) => (field[0] === 'type' ? ['type', 'type', literal(type), true] : field));

const messageOutputEntry = objectReader([
  ...entryHead('message.output'),
  ['role', 'role', literal('assistant'), false, 'assistant'],
  ['content', 'content', string, true],
]);
const functionCallEntry = objectReader([
  ...entryHead('function.call'),
  ['tool_call_id', 'toolCallId', string, true],
  ['name', 'name', string, true],
  ['arguments', 'arguments', string, true],
  ['confirmation_status', 'confirmationStatus', confirmationStatus],
]);
/**
 * The outputs read by hand, by their `type`: the SDK's union picks an entry without one by its
 * fields, which is left to the SDK.
 */
const outputs = arrayOf(
  byKey('type', { 'message.output': messageOutputEntry, 'function.call': functionCallEntry }),
);

const usage = objectReader([
  ['prompt_tokens', 'promptTokens', integer, false, 0],
  ['completion_tokens', 'completionTokens', integer, false, 0],
  ['total_tokens', 'totalTokens', integer, false, 0],
  ['connector_tokens', 'connectorTokens', nullable(integer)],
  // Per-connector counts (a record the SDK copies) are left to the SDK's schema.
  ['connectors', 'connectors', nullable(() => SLOW)],
]);

const RESPONSE = objectReader([
  ['object', 'object', literal('conversation.response'), false, 'conversation.response'],
  ['conversation_id', 'conversationId', string, true],
  ['outputs', 'outputs', outputs, true],
  ['usage', 'usage', usage, true],
  // Guardrail results (records the SDK copies) are left to the SDK's schema.
  ['guardrails', 'guardrails', nullable(() => SLOW)],
]);

/** An event's data: its `type`, its `created_at`, then `fields`. */
const eventReader = (fields: readonly Field[]) =>
  objectReader([['type', 'type', string, true], CREATED_AT, ...fields]);

/** A delta of an output: where it goes, `afterId`, who wrote it, then `fields`. */
const deltaReader = (afterId: readonly Field[], fields: readonly Field[]) =>
  eventReader([
    ['output_index', 'outputIndex', integer, false, 0],
    ['id', 'id', string, true],
    ...afterId,
    ['model', 'model', nullable(string)],
    ['agent_id', 'agentId', nullable(string)],
    ...fields,
  ]);

/** The event data read by hand, by their `type`. */
const eventData = byKey('type', {
  'conversation.response.started': eventReader([
    ['conversation_id', 'conversationId', string, true],
  ]),
  'message.output.delta': deltaReader(
    [['content_index', 'contentIndex', integer, false, 0]],
    [
      ['role', 'role', literal('assistant'), false, 'assistant'],
      ['content', 'content', string, true],
    ],
  ),
  'function.call.delta': deltaReader(
    [],
    [
      ['name', 'name', string, true],
      ['tool_call_id', 'toolCallId', string, true],
      ['arguments', 'arguments', string, true],
      ['confirmation_status', 'confirmationStatus', confirmationStatus],
    ],
  ),
  'conversation.response.done': eventReader([['usage', 'usage', usage, true]]),
  'conversation.response.error': eventReader([
    ['message', 'message', string, true],
    ['code', 'code', integer, true],
  ]),
});

/** The SSE event names the SDK knows; others it marks as unrecognized, through its schema. */
const SSE_TYPES = new Set([
  'conversation.response.started',
  'conversation.response.done',
  'conversation.response.error',
  'message.output.delta',
  'tool.execution.started',
  'tool.execution.delta',
  'tool.execution.done',
  'agent.handoff.started',
  'agent.handoff.done',
  'function.call.delta',
]);

function fastEvent({ event, data }: SseMessage<string>): ConversationEvents | undefined {
  if (typeof event !== 'string' || !SSE_TYPES.has(event) || data === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return undefined;
  }
  const value = eventData(raw);
  return value === SLOW ? undefined : ({ event, data: value } as ConversationEvents);
}
