/**
 * The typed event vocabulary shared by every mistral-flows package. The chat names
 * (`chat:start`, `chat:chunk`, `chat:complete`, `chat:error`) are the usual ones of a chat event
 * bus built on an EventEmitter, so code written that way keeps its listeners; the other groups
 * follow the same `<area>:<what>` pattern. An `EventBus<MistralFlowsEvents>` from
 * `@mistral-flows/stream` carries them.
 */

/** Token usage exactly as the API reported it (never estimated). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * A W3C trace context as carried between processes (job data, webhook headers): the
 * `traceparent` header's value and, when there is one, `tracestate`. Packages only carry it;
 * `@mistral-flows/otel` fills and reads it.
 */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

export interface ChatEvents {
  'chat:start': {
    requestId: string;
    model: string;
    /** When the request was sent (epoch ms); `chat:start` itself comes with the first chunk. */
    requestedAt?: number;
  };
  'chat:chunk': { requestId: string; content: string; index: number };
  'chat:complete': {
    requestId: string;
    content: string;
    usage: Usage | undefined;
    finishReason: string;
  };
  'chat:error': { requestId: string; error: Error; partialText: string };
  /** The stream broke after its first chunk and is being sent again: drop the chunks so far. */
  'chat:restart': { requestId: string; attempt: number; reason: string };
}

export interface AgentEvents {
  'agent:turn-start': { conversationId: string; turn: number; input: string };
  'agent:tool-call': { conversationId: string; callId: string; name: string; arguments: unknown };
  'agent:tool-result': {
    conversationId: string;
    callId: string;
    name: string;
    ok: boolean;
    result: string;
    durationMs: number;
  };
  'agent:turn-end': {
    conversationId: string;
    turn: number;
    text: string;
    usage: Usage | undefined;
    steps: number;
  };
  'agent:error': { conversationId: string; error: Error };
  /** An agent handed the conversation to another (on the server, or within an agent team). */
  'agent:handoff': { conversationId: string; from: string; to: string };
}

export interface BatchEvents {
  'batch:status': {
    key: string;
    jobId: string | undefined;
    status: string;
    previous: string | undefined;
  };
  'batch:progress': {
    key: string;
    jobId: string | undefined;
    total: number;
    completed: number;
    succeeded: number;
    failed: number;
  };
  'batch:stuck': { key: string; jobId: string; status: string; sinceMs: number };
  'batch:done': {
    key: string;
    status: string;
    succeeded: number;
    failed: number;
    jobIds: string[];
  };
}

export interface QueueEvents {
  'queue:enqueued': { queue: string; jobId: string };
  'queue:active': { queue: string; jobId: string; attempt: number };
  'queue:progress': { queue: string; jobId: string; progress: unknown };
  'queue:completed': { queue: string; jobId: string };
  'queue:failed': { queue: string; jobId: string; error: string; willRetry: boolean };
  'queue:stalled': { queue: string; jobId: string };
  'queue:webhook-delivered': {
    webhookId: string;
    url: string;
    status: number;
    attempt: number;
    /** When the delivery attempt started (epoch ms). */
    startedAt?: number;
    /** The trace context the webhook was queued with (sent as its `traceparent` header). */
    traceContext?: TraceContext;
  };
  'queue:webhook-failed': {
    webhookId: string;
    url: string;
    error: string;
    attempt: number;
    final: boolean;
    startedAt?: number;
    traceContext?: TraceContext;
  };
}

/**
 * Anything events can be published to: an `EventBus` from `@mistral-flows/stream`, or your own.
 * Packages that only publish take this, so they need not depend on the bus itself.
 */
export interface EventSink<Events extends object> {
  emit<K extends keyof Events>(type: K, payload: Events[K]): void;
}

/** Every event of every package. */
export type MistralFlowsEvents = ChatEvents & AgentEvents & BatchEvents & QueueEvents;

export type MistralFlowsEventName = keyof MistralFlowsEvents;

/** Every event name, for listing, validation and documentation. */
export const EVENT_NAMES = [
  'chat:start',
  'chat:chunk',
  'chat:complete',
  'chat:error',
  'chat:restart',
  'agent:turn-start',
  'agent:tool-call',
  'agent:tool-result',
  'agent:turn-end',
  'agent:error',
  'agent:handoff',
  'batch:status',
  'batch:progress',
  'batch:stuck',
  'batch:done',
  'queue:enqueued',
  'queue:active',
  'queue:progress',
  'queue:completed',
  'queue:failed',
  'queue:stalled',
  'queue:webhook-delivered',
  'queue:webhook-failed',
] as const satisfies readonly MistralFlowsEventName[];

/** True when `name` is one of the vocabulary's event names. */
export function isEventName(name: unknown): name is MistralFlowsEventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

// Compile-time proof that EVENT_NAMES lists every name of the map.
type Unlisted = Exclude<MistralFlowsEventName, (typeof EVENT_NAMES)[number]>;
const everyNameListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyNameListed;
