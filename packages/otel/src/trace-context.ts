import type { TraceContext } from '@mistral-flows/core';
import { InvalidArgumentError } from '@mistral-flows/core';
import {
  context as otelContext,
  createTraceState,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The W3C `traceparent` (and `tracestate`) of a span context. */
export function formatTraceContext(spanContext: SpanContext): TraceContext {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const carrier: TraceContext = {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
  };
  const state = spanContext.traceState?.serialize();
  if (state) carrier.tracestate = state;
  return carrier;
}

/**
 * The trace context to put in a chat job's `traceContext` (`enqueueChat(queue, { ...,
 * traceContext: jobTraceContext() })`): the active span's, or the one of `ctx`. Undefined when
 * there is no valid span, so the job is queued without one.
 */
export function jobTraceContext(ctx: Context = otelContext.active()): TraceContext | undefined {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return formatTraceContext(spanContext);
}

/** The span context a `traceparent` names (remote), or undefined when it is malformed. */
export function parseTraceContext(carrier: TraceContext | undefined): SpanContext | undefined {
  if (!carrier || typeof carrier.traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(carrier.traceparent);
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (!trace.isSpanContextValid(spanContext)) return undefined;
  if (typeof carrier.tracestate === 'string' && carrier.tracestate !== '') {
    spanContext.traceState = createTraceState(carrier.tracestate);
  }
  return spanContext;
}

/**
 * A context whose parent is the span a trace context names, for spans that continue it (a worker's
 * job, a webhook's receiver). Throws `InvalidArgumentError` when the `traceparent` is malformed.
 */
export function contextFromTraceContext(
  carrier: TraceContext,
  base: Context = otelContext.active(),
): Context {
  const spanContext = parseTraceContext(carrier);
  if (!spanContext) {
    throw new InvalidArgumentError(
      'traceparent',
      'expected a W3C traceparent such as 00-<32 hex>-<16 hex>-01',
    );
  }
  return trace.setSpanContext(base, spanContext);
}
