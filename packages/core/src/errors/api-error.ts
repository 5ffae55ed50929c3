import { brand, hasBrand } from './brand.js';
import { MistralFlowsError } from './mistral-flows-error.js';

/** Every way a call to the Mistral API can fail, as one small vocabulary. */
export type ApiErrorCode =
  | 'rate_limited'
  | 'server'
  | 'network'
  | 'timeout'
  | 'auth'
  | 'invalid_request'
  | 'not_found'
  | 'aborted'
  | 'response_invalid'
  | 'unknown';

export interface ErrorClassification {
  code: ApiErrorCode;
  /** HTTP status when the server answered. */
  status?: number;
  /** True when sending the same request again may succeed. */
  retryable: boolean;
  /** What the server asked for with `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** A short, secret-free description. */
  message: string;
}

/** A failed API call, classified. `cause` is the SDK's error with secrets redacted. */
export class ApiError extends MistralFlowsError<ApiErrorCode> implements ErrorClassification {
  readonly status?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(classification: ErrorClassification, options: { cause?: unknown } = {}) {
    super(classification.code, classification.message, options);
    brand(this, 'api');
    this.name = 'ApiError';
    this.retryable = classification.retryable;
    if (classification.status !== undefined) this.status = classification.status;
    if (classification.retryAfterMs !== undefined) this.retryAfterMs = classification.retryAfterMs;
  }

  static override isInstance(error: unknown): error is ApiError {
    return hasBrand(error, 'api');
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      status: this.status,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
    };
  }
}
