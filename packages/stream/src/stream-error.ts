import {
  ApiError,
  MistralFlowsError,
  type ApiErrorCode,
  type ErrorClassification,
} from '@mistral-flows/core';

const brand = Symbol.for('mistral-flows.error.stream');

export interface StreamErrorOptions {
  classification: ErrorClassification;
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
 * `network`, `response_invalid`, ...), `partialText` holds what arrived before the failure, and
 * `frame` names the raw frame when the server sent something unreadable.
 */
export class StreamError extends MistralFlowsError<ApiErrorCode> {
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly partialText: string;
  readonly attempt: number;
  readonly phase: 'before-first-delta' | 'after-first-delta';
  readonly frame?: string;

  constructor(message: string, options: StreamErrorOptions) {
    super(options.classification.code, message, { cause: options.cause });
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
    const c: ErrorClassification = {
      code: this.code,
      retryable: this.retryable,
      message: this.message,
    };
    if (this.status !== undefined) c.status = this.status;
    if (this.retryAfterMs !== undefined) c.retryAfterMs = this.retryAfterMs;
    return new ApiError(c, { cause: this.cause });
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
