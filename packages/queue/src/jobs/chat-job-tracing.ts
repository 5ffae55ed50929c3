import type { TraceContext } from '@mistral-flows/core';
import type { ChatJobData, ChatJobResult } from './chat-job.js';

/** The attempt a worker tells its `tracing` about. */
export interface ChatJobAttempt {
  queue: string;
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  data: ChatJobData;
}

/**
 * How a chat worker reports its jobs to a tracing system, without depending on one:
 * `createTelemetry().chatJobTracing` from `@mistral-flows/otel` implements it. The worker calls
 * `startAttempt` when it takes a job, and the attempt's methods as the attempt goes on. A
 * method that throws never fails the job.
 */
export interface ChatJobTracing {
  startAttempt(attempt: ChatJobAttempt): ChatJobAttemptTrace;
}

export interface ChatJobAttemptTrace {
  /**
   * The trace context the webhooks of this attempt carry (their `traceparent` header); the job's
   * own `traceContext` when undefined.
   */
  readonly traceContext: TraceContext | undefined;
  modelCallStarted(): void;
  /** A streamed job's first chunk arrived (its time to first chunk). */
  firstChunk?(): void;
  modelCallEnded(outcome: { result: ChatJobResult } | { error: unknown }): void;
  /** The attempt is over: with the error it failed with, if it did. */
  end(error?: unknown): void;
}

/** Calls a tracing hook; a failure there is the tracing's problem, never the job's. */
export function traceSafely(call: () => void): void {
  try {
    call();
  } catch {
    // Tracing is advisory: a broken exporter or hook must not fail the job it observes.
  }
}
