import type { ValidationIssue } from '../validation/schema-types.js';

/**
 * How 422 answers are shaped: `observed`, as the real API sends them
 * (`{"object":"error","message":{"detail":[...]},"type":"invalid_request_error",...}`, for which the
 * SDK throws `HTTPValidationError` with an empty `detail`), or `fastapi`, as the OpenAPI document
 * declares them (`{"detail":[...]}`, which fills the SDK's `err.detail`) on chat, agents,
 * conversations and models.
 */
export type ErrorShape = 'observed' | 'fastapi';

/** The error shapes, for option checks. */
export const errorShapes: readonly ErrorShape[] = ['observed', 'fastapi'];

/**
 * An error answer the emulator sends to a client, with the status, the JSON body and any extra
 * headers. Route handlers throw it; the server turns it into a response.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`HTTP ${status}`);
    this.name = 'HttpError';
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  /** The body to send under the configured error shape (the same for every shape here). */
  bodyFor(_shape: ErrorShape): unknown {
    return this.body;
  }
}

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'rate_limited'
  | 'server_error'
  | 'not_found_error';

/**
 * The documented error body: `{object: "error", message, type, param, code}`.
 */
export function apiError(
  status: number,
  message: string,
  options: {
    type?: ErrorType;
    param?: string | null;
    code?: string | null;
    headers?: Record<string, string>;
  } = {},
): HttpError {
  return new HttpError(
    status,
    {
      object: 'error',
      message,
      type: options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
      param: options.param ?? null,
      code: options.code ?? null,
    },
    options.headers,
  );
}

/**
 * A 422 listing validation problems. Its body depends on the error shape: the real API's observed
 * body (the detail list wrapped in the documented error body), or FastAPI's `{detail: [...]}`.
 * `wrapped` answers (the files and batch services) use the observed body under both shapes.
 */
export class ValidationFailure extends HttpError {
  constructor(
    readonly issues: ValidationIssue[],
    readonly wrapped: boolean,
  ) {
    super(422, wrapped ? observedValidationBody(issues) : { detail: issues });
  }

  override bodyFor(shape: ErrorShape): unknown {
    return shape === 'fastapi' && !this.wrapped
      ? { detail: this.issues }
      : observedValidationBody(this.issues);
  }
}

function observedValidationBody(issues: ValidationIssue[]): unknown {
  return {
    object: 'error',
    message: { detail: issues },
    type: 'invalid_request_error',
    param: null,
    code: null,
  };
}

/** 422 on chat, agents, conversations and models: shaped by the configured error shape. */
export function validationError(issues: ValidationIssue[]): ValidationFailure {
  return new ValidationFailure(issues, false);
}

/**
 * 422 as the real API sends it from the files and batch services, under every error shape: the
 * detail array wrapped in the documented error body.
 */
export function wrappedValidationError(issues: ValidationIssue[]): ValidationFailure {
  return new ValidationFailure(issues, true);
}

/** 404 for an unknown id. */
export function notFound(what: string, id: string): HttpError {
  return apiError(404, `${what} ${id} not found`, {
    code: 'not_found',
    type: 'invalid_request_error',
  });
}

/** 429 with `Retry-After`, shaped like the real API's rate-limit answer. */
export function rateLimited(retryAfterSeconds: number, message = 'Rate limit exceeded'): HttpError {
  return new HttpError(
    429,
    {
      object: 'error',
      message,
      type: 'rate_limited',
      param: null,
      code: '1300',
      raw_status_code: 429,
    },
    { 'retry-after': String(retryAfterSeconds) },
  );
}
