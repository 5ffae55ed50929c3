import { redactError, redactString } from '../redact/redact.js';
import { ApiError, type ApiErrorCode, type ErrorClassification } from './api-error.js';
import { failedRequestOf } from './failed-request.js';
import { parseRetryAfter } from './retry-after.js';

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504]);

export interface ClassifyOptions {
  /** Clock used to turn an HTTP-date `Retry-After` into a delay. */
  now?: () => number;
}

/**
 * Maps any error met while calling the API (every SDK error class, fetch and socket errors,
 * aborts, timeouts, our own `ApiError`) to one classification: a `code`, the HTTP `status`,
 * whether a retry may succeed, and the `Retry-After` the server asked for.
 *
 * Errors are recognised by name and shape, not `instanceof`, so that an SDK loaded twice (or a
 * peer library's copy of it) is classified the same way.
 */
export function classifyError(error: unknown, options: ClassifyOptions = {}): ErrorClassification {
  const now = options.now ?? Date.now;
  if (ApiError.isInstance(error)) {
    return pick(error);
  }
  if (!(error instanceof Error) && !isErrorLike(error)) {
    return { code: 'unknown', retryable: false, message: describe(error) };
  }
  const err = error as Error & Record<string, unknown>;
  const name = typeof err.name === 'string' ? err.name : '';

  if (name === 'AbortError' || name === 'RequestAbortedError') {
    return {
      code: 'aborted',
      retryable: false,
      message: onRequest(err, 'aborted', 'The request was aborted'),
    };
  }
  if (name === 'TimeoutError' || name === 'RequestTimeoutError') {
    return {
      code: 'timeout',
      retryable: true,
      message: onRequest(err, 'timed out with no answer', 'The request timed out'),
    };
  }
  if (name === 'ConnectionError') return connectionFailure(err);
  if (name === 'ResponseValidationError' || name === 'ZodError' || name === '$ZodError') {
    return {
      code: 'response_invalid',
      retryable: false,
      message: `The API's response did not match the expected schema: ${firstLine(safeMessage(err))}`,
    };
  }
  if (name === 'SDKValidationError' || name === 'InvalidRequestError') {
    return {
      code: 'invalid_request',
      retryable: false,
      message: `The request is invalid: ${firstLine(safeMessage(err))}`,
    };
  }

  const status = statusOf(err);
  if (status !== undefined) {
    return classifyStatus(status, err, now());
  }

  if (
    networkCodeOf(err) !== undefined ||
    (name === 'TypeError' && /fetch failed|terminated|network/i.test(err.message))
  ) {
    return connectionFailure(err);
  }
  if (name === 'UnexpectedClientError' && err.cause !== undefined) {
    const inner = classifyError(err.cause, options);
    if (inner.code !== 'unknown') return inner;
  }
  return { code: 'unknown', retryable: false, message: firstLine(safeMessage(err)) };
}

/**
 * A request that got no answer: refused, a name that does not resolve, a TLS failure, a reset.
 * The message names the request (when the client is `createClient`'s) and the system's own
 * words, for example `POST http://127.0.0.1:18099/v1/chat/completions: connect ECONNREFUSED
 * 127.0.0.1:18099`. A TLS failure (a certificate, or TLS spoken to a plain HTTP server) is not
 * retried: it does not go away by itself.
 */
function connectionFailure(err: Error & Record<string, unknown>): ErrorClassification {
  const system = systemErrorOf(err);
  const tls = system !== undefined && TLS_CODE.test(system.code);
  const reason = system
    ? redactString(firstLine(system.message) || system.code)
    : firstLine(safeMessage(err)) || 'the connection failed';
  return { code: 'network', retryable: !tls, message: onRequest(err, reason) };
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|ERR_CERT_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/;

/** The deepest error in `err`'s cause chain that carries a system or TLS error code. */
function systemErrorOf(err: unknown): { code: string; message: string } | undefined {
  let found: { code: string; message: string } | undefined;
  let current: unknown = err;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^[A-Z][A-Z0-9_]+$/.test(code))) {
      found = { code, message: typeof message === 'string' ? message : '' };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return found;
}

/**
 * `reason` after the method and URL of the request it happened on, when known; else `alone`
 * (default `reason`).
 */
function onRequest(err: unknown, reason: string, alone = reason): string {
  const request = failedRequestOf(err);
  return request ? `${request.method} ${request.url}: ${reason}` : alone;
}

/**
 * Classifies `error` and wraps it in an `ApiError` whose message and cause chain are free of
 * secrets. Returns `error` itself when it already is an `ApiError`.
 */
export function toApiError(error: unknown, options: ClassifyOptions = {}): ApiError {
  if (ApiError.isInstance(error)) return error;
  const classification = classifyError(error, options);
  const cause = error instanceof Error ? redactError(error) : error;
  return new ApiError(classification, { cause });
}

function classifyStatus(
  status: number,
  err: Record<string, unknown>,
  now: number,
): ErrorClassification {
  const retryAfterMs = parseRetryAfter(headerOf(err, 'retry-after'), now);
  const code = codeForStatus(status);
  const detail = bodySummary(err);
  const result: ErrorClassification = {
    code,
    status,
    retryable: RETRYABLE_STATUS.has(status) || (status >= 500 && status !== 501),
    message: `HTTP ${status}${detail ? `: ${detail}` : ''}`,
  };
  if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
  return result;
}

function codeForStatus(status: number): ApiErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  if (status >= 400) return 'invalid_request';
  return 'unknown';
}

function statusOf(err: Record<string, unknown>): number | undefined {
  for (const key of ['statusCode', 'status']) {
    const value = err[key];
    if (typeof value === 'number' && value >= 100 && value < 600) return value;
  }
  const response = err.rawResponse as { status?: unknown } | undefined;
  if (response && typeof response.status === 'number') return response.status;
  return undefined;
}

function headerOf(err: Record<string, unknown>, name: string): string | undefined {
  const sources = [err.headers, (err.rawResponse as { headers?: unknown } | undefined)?.headers];
  for (const headers of sources) {
    if (!headers) continue;
    if (typeof (headers as Headers).get === 'function') {
      const value = (headers as Headers).get(name);
      if (value !== null) return value;
    } else if (typeof headers === 'object') {
      for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
        if (key.toLowerCase() === name && typeof value === 'string') return value;
      }
    }
  }
  return undefined;
}

function networkCodeOf(err: Record<string, unknown>): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * A one-line, secret-free summary of an error response body: for a 422, its first validation
 * problem (`body.temperature: Input should be ...`), whether the body is FastAPI's
 * `{"detail":[...]}` or the real API's `{"object":"error","message":{"detail":[...]},...}`;
 * otherwise the body's message.
 */
function bodySummary(err: Record<string, unknown>): string {
  const body = typeof err.body === 'string' ? err.body : '';
  let parsed: unknown;
  try {
    parsed = body === '' ? undefined : (JSON.parse(body) as unknown);
  } catch {
    // Not JSON: summarised as raw text below.
  }
  const issues = validationIssues(parsed) ?? validationIssues({ detail: err.detail });
  let text: string;
  if (issues) text = describeIssues(issues);
  else if (body === '') return '';
  else if (typeof parsed === 'object' && parsed !== null) {
    const fields = parsed as Record<string, unknown>;
    const message = fields.message ?? fields.detail ?? fields.error;
    text = typeof message === 'string' ? message : JSON.stringify(message ?? parsed);
  } else text = body;
  return truncate(redactString(firstLine(text)), 300);
}

interface ValidationIssue {
  loc: unknown[];
  msg: string;
}

/** The detail list of a 422 body in either shape, when it has one. */
function validationIssues(parsed: unknown): ValidationIssue[] | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { detail, message } = parsed as { detail?: unknown; message?: unknown };
  const list =
    detail ??
    (typeof message === 'object' && message !== null
      ? (message as { detail?: unknown }).detail
      : undefined);
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const issues = list.filter(
    (item): item is ValidationIssue =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as { msg?: unknown }).msg === 'string' &&
      Array.isArray((item as { loc?: unknown }).loc),
  );
  return issues.length > 0 ? issues : undefined;
}

/** `body.messages.0.content: Field required (and 2 more problems)` */
function describeIssues(issues: ValidationIssue[]): string {
  const [first] = issues as [ValidationIssue, ...ValidationIssue[]];
  const loc = first.loc.map(String).join('.');
  const more =
    issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})`
      : '';
  return `${loc ? `${loc}: ` : ''}${first.msg}${more}`;
}

function pick(c: ErrorClassification): ErrorClassification {
  const result: ErrorClassification = { code: c.code, retryable: c.retryable, message: c.message };
  if (c.status !== undefined) result.status = c.status;
  if (c.retryAfterMs !== undefined) result.retryAfterMs = c.retryAfterMs;
  return result;
}

function isErrorLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'message' in value && 'name' in value;
}

function safeMessage(err: { message?: unknown }): string {
  return redactString(typeof err.message === 'string' ? err.message : '');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return redactString(value);
  return `Non-error value thrown: ${typeof value}`;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
