import type { MistralFlowsEvents } from '@mistral-flows/core';
import { context as otelContext, SpanKind, trace, type Span } from '@opentelemetry/api';
import { OWN } from './attributes.js';
import {
  chatAttributes,
  chatSpanName,
  endChatSpan,
  failSpan,
  type TelemetryCore,
} from './telemetry-core.js';
import { parseTraceContext } from './trace-context.js';

/**
 * Anything whose events can be listened to by name: an `EventBus` from `@mistral-flows/stream`.
 */
export interface ListenableBus {
  /** `on(type, listener)` subscribes and returns a function that unsubscribes. */
  on(type: never, listener: never): unknown;
}

/** Streams whose end has not been seen, at most: the oldest beyond are ended as abandoned. */
export const MAX_OPEN_CHATS = 1_000;

interface OpenChat {
  span: Span;
  model: string;
  startedAt: number;
  firstChunkAt: number;
}

type Listen = (type: string, listener: (payload: unknown) => void) => () => void;

type Handlers = {
  [K in keyof MistralFlowsEvents]?: (payload: MistralFlowsEvents[K]) => void;
};

interface EventStream {
  subscribe(next: (event: { type: string; payload: unknown }) => void): { unsubscribe(): void };
}

/**
 * Subscribes the handlers: with one subscription to `events$` when the bus has it (an
 * `EventBus`), so that an event nobody here handles, such as every `chat:chunk`, costs one call;
 * otherwise with `on(type, listener)` per handled type.
 */
function subscribe(bus: ListenableBus, handlers: Handlers): () => void {
  const events$ = (bus as { events$?: Partial<EventStream> }).events$;
  if (events$ && typeof events$.subscribe === 'function') {
    const byType = handlers as Record<string, ((payload: unknown) => void) | undefined>;
    const subscription = (events$ as EventStream).subscribe((event) => {
      const handler = byType[event.type];
      if (handler) handler(event.payload);
    });
    return () => subscription.unsubscribe();
  }
  const typed = bus as unknown as { on: Listen };
  const stops = Object.entries(handlers).map(([type, handler]) =>
    typed.on(type, handler as (payload: unknown) => void),
  );
  return () => {
    for (const stop of stops) stop();
  };
}

/**
 * Spans from the event bus: `chat {model}` for each streamed chat published with `toBus`
 * (`chat:*`), child of the context active when it started; a span for each webhook delivery
 * (`queue:webhook-*`) in the trace the webhook carries.
 */
export function observeBus(core: TelemetryCore, bus: ListenableBus): () => void {
  const open = new Map<string, OpenChat>();
  const stop = subscribe(bus, {
    'chat:start': ({ requestId, model, requestedAt }) => {
      if (open.has(requestId)) return; // a restart: the same call, sent again
      const now = Date.now();
      const startedAt = requestedAt ?? now;
      const span = core.tracer.startSpan(
        chatSpanName(model),
        {
          kind: SpanKind.CLIENT,
          startTime: startedAt,
          attributes: { ...chatAttributes(model), [OWN.requestId]: requestId },
        },
        otelContext.active(),
      );
      // `chat:start` is published with the first chunk.
      open.set(requestId, { span, model, startedAt, firstChunkAt: now });
      if (open.size > MAX_OPEN_CHATS) {
        // A stream stopped by unsubscribing publishes nothing more: its span would stay open for
        // ever. The oldest is ended, marked abandoned, once there are too many.
        const [oldestId, oldest] = open.entries().next().value!;
        open.delete(oldestId);
        oldest.span.addEvent('abandoned');
        oldest.span.end();
      }
    },
    'chat:restart': ({ requestId, attempt, reason }) => {
      open.get(requestId)?.span.addEvent('restart', {
        'mistral_flows.attempt': attempt,
        'mistral_flows.reason': reason,
      });
    },
    'chat:complete': ({ requestId, content, usage, finishReason }) => {
      const chat = open.get(requestId);
      if (!chat) return;
      open.delete(requestId);
      endChatSpan(core, chat.span, chat.model, chat.startedAt, {
        finishReason,
        usage,
        firstChunkAt: chat.firstChunkAt,
        output: content,
      });
    },
    'chat:error': ({ requestId, error }) => {
      const chat = open.get(requestId);
      if (!chat) return;
      open.delete(requestId);
      const code = (error as { code?: unknown }).code;
      endChatSpan(core, chat.span, chat.model, chat.startedAt, {
        errorType: typeof code === 'string' ? code : error.name,
        errorMessage: error.message,
        firstChunkAt: chat.firstChunkAt,
      });
    },
    'queue:webhook-delivered': (e) => deliverySpan(core, e, undefined),
    'queue:webhook-failed': (e) => deliverySpan(core, e, e.error),
  });
  return () => {
    stop();
    for (const chat of open.values()) chat.span.end();
    open.clear();
  };
}

function deliverySpan(
  core: TelemetryCore,
  e: MistralFlowsEvents['queue:webhook-delivered'] | MistralFlowsEvents['queue:webhook-failed'],
  error: string | undefined,
): void {
  const parent = parseTraceContext(e.traceContext);
  if (!parent) return;
  const now = Date.now();
  const span = core.tracer.startSpan(
    'webhook deliver',
    {
      kind: SpanKind.PRODUCER,
      startTime: e.startedAt ?? now,
      attributes: {
        [OWN.webhookId]: e.webhookId,
        [OWN.webhookAttempt]: e.attempt,
        'messaging.operation.type': 'send',
        ...('status' in e ? { 'http.response.status_code': e.status } : {}),
      },
    },
    trace.setSpanContext(otelContext.active(), parent),
  );
  if (error !== undefined) failSpan(span, 'webhook_failed', error);
  span.end(now);
}
