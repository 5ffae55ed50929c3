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

interface OpenChat {
  span: Span;
  model: string;
  startedAt: number;
  firstChunkAt: number;
}

type Listen = <K extends keyof MistralFlowsEvents>(
  type: K,
  listener: (payload: MistralFlowsEvents[K]) => void,
) => () => void;

/**
 * Spans from the event bus: `chat {model}` for each streamed chat published with `toBus`
 * (`chat:*`), child of the context active when it started; a span for each webhook delivery
 * (`queue:webhook-*`) in the trace the webhook carries.
 */
export function observeBus(core: TelemetryCore, bus: ListenableBus): () => void {
  const typed = bus as unknown as { on: Listen };
  const listen: Listen = (type, listener) => typed.on(type, listener);
  const open = new Map<string, OpenChat>();
  const stops = [
    listen('chat:start', ({ requestId, model, requestedAt }) => {
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
    }),
    listen('chat:restart', ({ requestId, attempt, reason }) => {
      open.get(requestId)?.span.addEvent('restart', {
        'mistral_flows.attempt': attempt,
        'mistral_flows.reason': reason,
      });
    }),
    listen('chat:complete', ({ requestId, content, usage, finishReason }) => {
      const chat = open.get(requestId);
      if (!chat) return;
      open.delete(requestId);
      endChatSpan(core, chat.span, chat.model, chat.startedAt, {
        finishReason,
        usage,
        firstChunkAt: chat.firstChunkAt,
        output: content,
      });
    }),
    listen('chat:error', ({ requestId, error }) => {
      const chat = open.get(requestId);
      if (!chat) return;
      open.delete(requestId);
      const code = (error as { code?: unknown }).code;
      endChatSpan(core, chat.span, chat.model, chat.startedAt, {
        errorType: typeof code === 'string' ? code : error.name,
        errorMessage: error.message,
        firstChunkAt: chat.firstChunkAt,
      });
    }),
    listen('queue:webhook-delivered', (e) => deliverySpan(core, e, undefined)),
    listen('queue:webhook-failed', (e) => deliverySpan(core, e, e.error)),
  ];
  return () => {
    for (const stop of stops) stop();
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
