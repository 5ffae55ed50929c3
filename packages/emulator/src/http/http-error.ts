import type { ValidationIssue } from '../validation/schema-types.js';

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

/** 422 with FastAPI's `{detail: [{type, loc, msg, input}]}` body (chat, agents, conversations). */
export function validationError(issues: ValidationIssue[]): HttpError {
  return new HttpError(422, { detail: issues });
}

/**
 * 422 as the real API sends it from the files and batch services: the detail array wrapped in the
 * documented error body.
 */
export function wrappedValidationError(issues: ValidationIssue[]): HttpError {
  return new HttpError(422, {
    object: 'error',
    message: { detail: issues },
    type: 'invalid_request_error',
    param: null,
    code: null,
  });
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
