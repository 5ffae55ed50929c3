import type { TraceContext, Usage } from '@mistral-flows/core';
import { context as otelContext, SpanKind, trace, type Span } from '@opentelemetry/api';
import { GEN_AI, OWN } from './attributes.js';
import {
  chatAttributes,
  chatSpanName,
  contentOf,
  endChatSpan,
  failSpan,
  type TelemetryCore,
} from './telemetry-core.js';
import { formatTraceContext, parseTraceContext } from './trace-context.js';

/** What this package reads of a chat job (the shape of `ChatJobAttempt` in `@mistral-flows/queue`). */
export interface ChatJobAttemptLike {
  queue: string;
  jobId: string;
  attempt: number;
  data: {
    model?: string;
    agentId?: string;
    messages: unknown[];
    stream?: boolean;
    traceContext?: TraceContext;
  };
}

interface ChatJobResultLike {
  model: string | undefined;
  completionId: string;
  content: string;
  toolCalls: unknown[];
  finishReason: string;
  usage: Usage | undefined;
}

/** What the worker calls for one attempt (`ChatJobAttemptTrace` in `@mistral-flows/queue`). */
export interface ChatJobAttemptTraceLike {
  readonly traceContext: TraceContext | undefined;
  modelCallStarted(): void;
  firstChunk?(): void;
  modelCallEnded(outcome: { result: ChatJobResultLike } | { error: unknown }): void;
  end(error?: unknown): void;
}

/** The chat worker's `tracing` option (`ChatJobTracing` in `@mistral-flows/queue`). */
export interface ChatJobTracingLike {
  startAttempt(attempt: ChatJobAttemptLike): ChatJobAttemptTraceLike;
}

const DEFAULT_MODEL = 'mistral-small-latest';

/**
 * A `process {queue}` span per attempt, continuing the trace the job was queued with, and a
 * `chat {model}` child for its model call; the webhooks the attempt queues carry the attempt's
 * span as their `traceparent`.
 */
export function chatJobTracing(core: TelemetryCore): ChatJobTracingLike {
  return {
    startAttempt(attempt) {
      const { data } = attempt;
      const remote = parseTraceContext(data.traceContext);
      const parent = remote
        ? trace.setSpanContext(otelContext.active(), remote)
        : otelContext.active();
      const span = core.tracer.startSpan(
        `process ${attempt.queue}`,
        {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'bullmq',
            'messaging.operation.type': 'process',
            'messaging.destination.name': attempt.queue,
            'messaging.message.id': attempt.jobId,
            [OWN.jobAttempt]: attempt.attempt,
          },
        },
        parent,
      );
      const spanContext = trace.setSpan(parent, span);
      const model = data.agentId !== undefined ? data.model : (data.model ?? DEFAULT_MODEL);
      let chat: { span: Span; startedAt: number; firstChunkAt?: number } | undefined;
      return {
        traceContext: formatTraceContext(span.spanContext()),
        modelCallStarted() {
          const startedAt = Date.now();
          const chatSpan = core.tracer.startSpan(
            chatSpanName(model),
            {
              kind: SpanKind.CLIENT,
              startTime: startedAt,
              attributes: {
                ...chatAttributes(model),
                ...(data.agentId ? { [GEN_AI.agentId]: data.agentId } : {}),
              },
            },
            spanContext,
          );
          if (core.captureContent)
            chatSpan.setAttribute(GEN_AI.inputMessages, contentOf(data.messages));
          chat = { span: chatSpan, startedAt };
        },
        firstChunk() {
          if (chat && chat.firstChunkAt === undefined) chat.firstChunkAt = Date.now();
        },
        modelCallEnded(outcome) {
          if (!chat) return;
          const { span: chatSpan, startedAt, firstChunkAt } = chat;
          chat = undefined;
          if ('result' in outcome) {
            const { result } = outcome;
            endChatSpan(core, chatSpan, model, startedAt, {
              finishReason: result.finishReason,
              usage: result.usage,
              responseModel: result.model,
              responseId: result.completionId,
              firstChunkAt,
              output: { text: result.content, toolCalls: result.toolCalls },
            });
          } else {
            const { code, message } = describe(outcome.error);
            endChatSpan(core, chatSpan, model, startedAt, {
              errorType: code,
              errorMessage: message,
              firstChunkAt,
            });
          }
        },
        end(error) {
          if (chat) this.modelCallEnded({ error: error ?? new Error('ended') });
          if (error !== undefined) {
            const { code, message } = describe(error);
            failSpan(span, code, message);
          }
          span.end();
        },
      };
    },
  };
}

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : error.name, message: error.message };
  }
  return { code: 'error', message: String(error) };
}
