import {
  ApiError,
  MistralFlowsError,
  type ApiErrorCode,
  type ErrorClassification,
} from '@mistral-flows/core';

const brand = Symbol.for('mistral-flows.error.stream');

/**
 * Core's classification codes, and `replay_gap`: an SSE reader resumed after events the relay's
 * log no longer holds, so it cannot continue without a gap (start over from a fresh state).
 */
export type StreamErrorCode = ApiErrorCode | 'replay_gap';

export interface StreamErrorOptions {
  classification: ErrorClassification;
  /** A code of the stream's own instead of the classification's (`replay_gap`). */
  code?: StreamErrorCode;
  /** Text received before the failure. */
  partialText: string;
  /** 1-based attempt that failed. */
  attempt: number;
  /** `before-first-delta` or `after-first-delta`. */
  phase: 'before-first-delta' | 'after-first-delta';
  /** The offending raw frame, for malformed input. */
  frame?: string;
  cause?: unknown;
}

/**
 * A stream that failed. `code` is core's classification of the cause (`rate_limited`, `server`,
 * `network`, `response_invalid`, ...) or `replay_gap` for an SSE reader that cannot resume
 * without a gap, `partialText` holds what arrived before the failure, and `frame` names the raw
 * frame when the server sent something unreadable.
 */
export class StreamError extends MistralFlowsError<StreamErrorCode> {
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly partialText: string;
  readonly attempt: number;
  readonly phase: 'before-first-delta' | 'after-first-delta';
  readonly frame?: string;

  constructor(message: string, options: StreamErrorOptions) {
    super(options.code ?? options.classification.code, message, { cause: options.cause });
    Object.defineProperty(this, brand, { value: true });
    this.name = 'StreamError';
    this.retryable = options.classification.retryable;
    if (options.classification.status !== undefined) this.status = options.classification.status;
    if (options.classification.retryAfterMs !== undefined) {
      this.retryAfterMs = options.classification.retryAfterMs;
    }
    this.partialText = options.partialText;
    this.attempt = options.attempt;
    this.phase = options.phase;
    if (options.frame !== undefined) this.frame = options.frame;
  }

  static override isInstance(error: unknown): error is StreamError {
    return typeof error === 'object' && error !== null && brand in error;
  }

  /** The classified cause as core's `ApiError`. */
  toApiError(): ApiError {
    return new ApiError(this.classification(), { cause: this.cause });
  }

  /** The failure in core's vocabulary (a replay gap, which is no API failure, as `unknown`). */
  classification(): ErrorClassification {
    const c: ErrorClassification = {
      code: this.code === 'replay_gap' ? 'unknown' : this.code,
      retryable: this.retryable,
      message: this.message,
    };
    if (this.status !== undefined) c.status = this.status;
    if (this.retryAfterMs !== undefined) c.retryAfterMs = this.retryAfterMs;
    return c;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      retryable: this.retryable,
      partialText: this.partialText,
      attempt: this.attempt,
      phase: this.phase,
      frame: this.frame,
    };
  }
}
