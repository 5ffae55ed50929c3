import { InvalidJobError } from '../errors/invalid-job-error.js';
import type { ChatJobData, ChatJobInput } from './chat-job.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);
/** BullMQ's largest priority. */
const MAX_PRIORITY = 2_097_152;

/**
 * Checks a chat job before it is queued and returns the data to store: at least one message,
 * each an object with a known `role`; a model or an agent, not both; JSON-only metadata.
 * Throws `InvalidJobError` naming the offending field.
 */
export function validateChatJob(input: ChatJobInput): ChatJobData {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidJobError('input', 'expected an object with messages');
  }
  const { messages, model, agentId, callbackUrl, metadata, stream, traceContext } = input;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidJobError('messages', 'a chat job needs at least one message');
  }
  messages.forEach((message, i) => {
    if (typeof message !== 'object' || message === null) {
      throw new InvalidJobError(`messages[${i}]`, 'expected an object with a role');
    }
    const role = (message as { role?: unknown }).role;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw new InvalidJobError(
        `messages[${i}].role`,
        `expected system, user, assistant or tool, got ${JSON.stringify(role) ?? 'nothing'}`,
      );
    }
  });
  if (model !== undefined && (typeof model !== 'string' || model.trim() === '')) {
    throw new InvalidJobError('model', 'expected a non-empty string');
  }
  if (agentId !== undefined && (typeof agentId !== 'string' || agentId.trim() === '')) {
    throw new InvalidJobError('agentId', 'expected a non-empty string');
  }
  if (model !== undefined && agentId !== undefined) {
    throw new InvalidJobError(
      'agentId',
      'give a model or an agent, not both (an agent has its model)',
    );
  }
  if (stream !== undefined && typeof stream !== 'boolean') {
    throw new InvalidJobError('stream', 'expected a boolean');
  }
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new InvalidJobError('metadata', 'expected a plain object');
    }
    checkJson(metadata, 'metadata');
  }
  if (traceContext !== undefined) checkTraceContext(traceContext);
  checkJson(messages, 'messages');
  const data: ChatJobData = { messages };
  if (model !== undefined) data.model = model;
  if (agentId !== undefined) data.agentId = agentId;
  if (callbackUrl !== undefined) data.callbackUrl = callbackUrl;
  if (metadata !== undefined) data.metadata = metadata;
  if (stream) data.stream = true;
  if (traceContext !== undefined) {
    data.traceContext = { traceparent: traceContext.traceparent };
    if (traceContext.tracestate) data.traceContext.tracestate = traceContext.tracestate;
  }
  return data;
}

/** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`, ids not all zeros (W3C Trace Context). */
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

function checkTraceContext(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidJobError('traceContext', 'expected an object with a traceparent');
  }
  const { traceparent, tracestate } = value as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== 'string' || !TRACEPARENT.test(traceparent)) {
    throw new InvalidJobError(
      'traceContext.traceparent',
      'expected a W3C traceparent such as 00-<32 hex>-<16 hex>-01',
    );
  }
  if (
    tracestate !== undefined &&
    (typeof tracestate !== 'string' || tracestate.length > 512 || /[\r\n]/.test(tracestate))
  ) {
    throw new InvalidJobError('traceContext.tracestate', 'expected a W3C tracestate header value');
  }
}

/** Checks the job id and priority given to `enqueueChat`, before BullMQ sees them. */
export function validateJobOptions(options: { jobId?: string; priority?: number }): void {
  const { jobId, priority } = options;
  if (jobId !== undefined) {
    if (typeof jobId !== 'string' || jobId === '') {
      throw new InvalidJobError('jobId', 'expected a non-empty string');
    }
    if (String(parseInt(jobId, 10)) === jobId) {
      throw new InvalidJobError('jobId', 'must not be an integer (BullMQ reserves those)');
    }
    if (jobId.includes(':')) throw new InvalidJobError('jobId', 'must not contain ":"');
  }
  if (
    priority !== undefined &&
    !(Number.isInteger(priority) && priority >= 0 && priority <= MAX_PRIORITY)
  ) {
    throw new InvalidJobError('priority', `expected an integer from 0 to ${MAX_PRIORITY}`);
  }
}

function checkJson(value: unknown, path: string, depth = 0): void {
  if (depth > 64) throw new InvalidJobError(path, 'nested too deeply');
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidJobError(path, 'numbers must be finite');
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJson(item, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new InvalidJobError(path, 'only plain objects, arrays and JSON scalars can be stored');
    }
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) checkJson(item, `${path}.${key}`, depth + 1);
    }
    return;
  }
  throw new InvalidJobError(path, `a ${typeof value} cannot be stored as JSON`);
}
