import { redactString, type Store, type Usage } from '@mistral-flows/core';
import {
  diag,
  SpanStatusCode,
  type Attributes,
  type Histogram,
  type Link,
  type Meter,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { contentAttribute } from './content.js';
import { DURATION_BUCKETS, GEN_AI, METRICS, PROVIDER, TOKEN_BUCKETS } from './attributes.js';

/** What the span builders share: the tracer, the instruments, the options. */
export interface TelemetryCore {
  tracer: Tracer;
  captureContent: boolean;
  store: Store | undefined;
  onError: (error: Error) => void;
  tokenUsage: Histogram;
  duration: Histogram;
  timeToFirstChunk: Histogram;
}

export function createInstruments(
  meter: Meter,
): Pick<TelemetryCore, 'tokenUsage' | 'duration' | 'timeToFirstChunk'> {
  return {
    tokenUsage: meter.createHistogram(METRICS.tokenUsage, {
      description: 'Number of input and output tokens used',
      unit: '{token}',
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    }),
    duration: meter.createHistogram(METRICS.operationDuration, {
      description: 'GenAI operation duration',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    timeToFirstChunk: meter.createHistogram(METRICS.timeToFirstChunk, {
      description: 'Time to receive the first chunk of a streamed response',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
  };
}

export function defaultOnError(error: Error): void {
  diag.error(`@mistral-flows/otel: ${redactString(error.message)}`);
}

/** What a finished model call reports, from whichever seam saw it. */
export interface ModelCallEnd {
  finishReason?: string | undefined;
  usage?: Usage | undefined;
  responseModel?: string | undefined;
  responseId?: string | undefined;
  /** A code of the error taxonomy (`rate_limited`, `server_error`, ...) when the call failed. */
  errorType?: string | undefined;
  errorMessage?: string | undefined;
  /** Epoch ms of the first chunk of a streamed call. */
  firstChunkAt?: number | undefined;
  output?: unknown;
}

/** The attributes every chat span and chat metric share. */
export function chatAttributes(model: string | undefined): Attributes {
  const attributes: Attributes = {
    [GEN_AI.operationName]: 'chat',
    [GEN_AI.providerName]: PROVIDER,
  };
  if (model) attributes[GEN_AI.requestModel] = model;
  return attributes;
}

export function chatSpanName(model: string | undefined): string {
  return model ? `chat ${model}` : 'chat';
}

/**
 * Ends a chat span: finish reason, usage, time to first chunk, error, output when content is
 * captured; and records the three metrics.
 */
export function endChatSpan(
  core: TelemetryCore,
  span: Span,
  model: string | undefined,
  startedAt: number,
  end: ModelCallEnd,
  endTime = Date.now(),
): void {
  const metricAttributes = chatAttributes(model);
  if (end.responseModel) {
    span.setAttribute(GEN_AI.responseModel, end.responseModel);
    metricAttributes[GEN_AI.responseModel] = end.responseModel;
  }
  if (end.responseId) span.setAttribute(GEN_AI.responseId, end.responseId);
  if (end.finishReason) span.setAttribute(GEN_AI.finishReasons, [end.finishReason]);
  if (end.usage) {
    span.setAttribute(GEN_AI.inputTokens, end.usage.promptTokens);
    span.setAttribute(GEN_AI.outputTokens, end.usage.completionTokens);
    core.tokenUsage.record(end.usage.promptTokens, {
      ...metricAttributes,
      [GEN_AI.tokenType]: 'input',
    });
    core.tokenUsage.record(end.usage.completionTokens, {
      ...metricAttributes,
      [GEN_AI.tokenType]: 'output',
    });
  }
  if (end.firstChunkAt !== undefined) {
    const seconds = Math.max(0, end.firstChunkAt - startedAt) / 1000;
    span.setAttribute(GEN_AI.timeToFirstChunk, seconds);
    core.timeToFirstChunk.record(seconds, metricAttributes);
  }
  if (core.captureContent && end.output !== undefined) {
    span.setAttribute(GEN_AI.outputMessages, contentOf(end.output));
  }
  if (end.errorType) {
    metricAttributes[GEN_AI.errorType] = end.errorType;
    failSpan(span, end.errorType, end.errorMessage);
  }
  core.duration.record(Math.max(0, endTime - startedAt) / 1000, metricAttributes);
  span.end(endTime);
}

/** Marks a span failed with `error.type` and a redacted status message (never an attribute). */
export function failSpan(span: Span, errorType: string, message?: string): void {
  span.setAttribute(GEN_AI.errorType, errorType);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(message ? { message: redactString(message) } : {}),
  });
}

export const contentOf = contentAttribute;

/** A span context as kept in a store, so that a run resumed elsewhere can link to it. */
export interface StoredSpan {
  traceId: string;
  spanId: string;
  traceFlags: number;
  /** When it was written (epoch ms). */
  at: number;
}

/** The store key under which this package keeps the span of a run (`conversation`, `batch`). */
export function spanKey(kind: 'conversation' | 'batch', id: string): string {
  return `otel:span:${kind}:${id}`;
}

/** Reads the span a run left in the store, as a link; undefined when none or on failure. */
export async function readStoredSpan(core: TelemetryCore, key: string): Promise<Link | undefined> {
  if (!core.store) return undefined;
  try {
    const entry = await core.store.get<StoredSpan>(key);
    const v = entry?.value;
    if (!v || typeof v.traceId !== 'string' || typeof v.spanId !== 'string') return undefined;
    const context: SpanContext = {
      traceId: v.traceId,
      spanId: v.spanId,
      traceFlags: v.traceFlags,
      isRemote: true,
    };
    return { context, attributes: { [`mistral_flows.link.type`]: 'resumed_from' } };
  } catch (error) {
    core.onError(error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }
}

/** Keeps `span`'s context in the store under `key` (a failure goes to `onError`). */
export async function writeStoredSpan(core: TelemetryCore, key: string, span: Span): Promise<void> {
  if (!core.store) return;
  const { traceId, spanId, traceFlags } = span.spanContext();
  try {
    await core.store.set<StoredSpan>(key, { traceId, spanId, traceFlags, at: Date.now() });
  } catch (error) {
    core.onError(error instanceof Error ? error : new Error(String(error)));
  }
}
