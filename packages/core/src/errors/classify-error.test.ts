import * as sdkErrors from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { classifyError, toApiError } from './classify-error.js';

function httpMeta(status: number, body = '', headers: Record<string, string> = {}) {
  const request = new Request('http://127.0.0.1/v1/chat/completions', { method: 'POST' });
  const response = new Response(body === '' ? null : body, { status, headers });
  return { request, response, body };
}

describe('classifyError', () => {
  it.each([
    [429, 'rate_limited', true],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not_found', false],
    [400, 'invalid_request', false],
    [413, 'invalid_request', false],
    [408, 'timeout', true],
    [500, 'server', true],
    [502, 'server', true],
    [503, 'server', true],
    [504, 'server', true],
    [501, 'server', false],
  ] as const)(
    'maps an SDKError with status %i to %s (retryable: %s)',
    (status, code, retryable) => {
      const error = new sdkErrors.SDKError(
        'API error occurred',
        httpMeta(status, '{"message":"x"}'),
      );
      expect(classifyError(error)).toMatchObject({ code, status, retryable });
    },
  );

  it('reads Retry-After from a 429 in seconds and as an HTTP date', () => {
    const seconds = new sdkErrors.SDKError('', httpMeta(429, '{}', { 'retry-after': '3' }));
    expect(classifyError(seconds).retryAfterMs).toBe(3000);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const date = new sdkErrors.SDKError(
      '',
      httpMeta(429, '{}', { 'Retry-After': 'Wed, 21 Oct 2015 07:28:05 GMT' }),
    );
    expect(classifyError(date, { now: () => now }).retryAfterMs).toBe(5000);
  });

  it('maps HTTPValidationError (422) to invalid_request with the server message', () => {
    const body = JSON.stringify({
      detail: [{ loc: ['body', 'model'], msg: 'Field required', type: 'missing' }],
    });
    const error = new sdkErrors.HTTPValidationError({ detail: [] }, httpMeta(422, body));
    const c = classifyError(error);
    expect(c).toMatchObject({ code: 'invalid_request', status: 422, retryable: false });
    expect(c.message).toContain('Field required');
  });

  it('summarises the first problem of a 422 in the FastAPI shape and in the real API shape', () => {
    const detail = [
      {
        type: 'extra_forbidden',
        loc: ['body', 'messages', 0, 'user', 'name'],
        msg: 'Extra inputs are not permitted',
        input: '',
      },
      { type: 'missing', loc: ['body', 'model'], msg: 'Field required', input: {} },
    ];
    const fastapi = JSON.stringify({ detail });
    const observed = JSON.stringify({
      object: 'error',
      message: { detail },
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    const expected = {
      code: 'invalid_request',
      status: 422,
      retryable: false,
      message:
        'HTTP 422: body.messages.0.user.name: Extra inputs are not permitted (and 1 more problem)',
    };
    for (const body of [fastapi, observed]) {
      // The SDK's HTTPValidationError (chat, agents, conversations, models)...
      const validation = new sdkErrors.HTTPValidationError({}, httpMeta(422, body));
      expect(classifyError(validation)).toEqual(expected);
      // ...and its SDKError (files and batch, which have no 422 matcher).
      const generic = new sdkErrors.SDKError('API error occurred', httpMeta(422, body));
      expect(classifyError(generic)).toEqual(expected);
    }
    // A single problem, and a 422 whose body is unreadable but whose detail the SDK parsed.
    const one = JSON.stringify({ detail: detail.slice(1) });
    expect(classifyError(new sdkErrors.HTTPValidationError({}, httpMeta(422, one))).message).toBe(
      'HTTP 422: body.model: Field required',
    );
    const parsedOnly = new sdkErrors.HTTPValidationError(
      { detail: detail.slice(1) },
      httpMeta(422, 'not json'),
    );
    expect(classifyError(parsedOnly).message).toBe('HTTP 422: body.model: Field required');
  });

  it('keeps the message of other error bodies', () => {
    const invalidModel = JSON.stringify({
      object: 'error',
      message: 'Invalid model: mistral-smal-latest',
      type: 'invalid_model',
      param: null,
      code: '1500',
      raw_status_code: 400,
    });
    expect(classifyError(new sdkErrors.SDKError('', httpMeta(400, invalidModel)))).toMatchObject({
      code: 'invalid_request',
      message: 'HTTP 400: Invalid model: mistral-smal-latest',
    });
    const unauthorized = new sdkErrors.SDKError('', httpMeta(401, '{"detail":"Unauthorized"}'));
    expect(classifyError(unauthorized).message).toBe('HTTP 401: Unauthorized');
    expect(classifyError(new sdkErrors.SDKError('', httpMeta(502, 'Bad gateway'))).message).toBe(
      'HTTP 502: Bad gateway',
    );
  });

  it('maps ResponseValidationError to response_invalid, not retryable', () => {
    const error = new sdkErrors.ResponseValidationError('Response validation failed', {
      ...httpMeta(200, '{}'),
      cause: new Error('created: expected int'),
      rawValue: {},
      rawMessage: 'Response validation failed',
    });
    expect(classifyError(error)).toMatchObject({ code: 'response_invalid', retryable: false });
  });

  it('maps the SDK client errors: connection, timeout, abort, request validation', () => {
    expect(classifyError(new sdkErrors.ConnectionError('Unable to make request'))).toMatchObject({
      code: 'network',
      retryable: true,
    });
    expect(classifyError(new sdkErrors.RequestTimeoutError('Request timed out'))).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(classifyError(new sdkErrors.RequestAbortedError('Request aborted'))).toMatchObject({
      code: 'aborted',
      retryable: false,
    });
    expect(
      classifyError(
        new sdkErrors.SDKValidationError('Input validation failed', new Error('bad'), {}),
      ),
    ).toMatchObject({
      code: 'invalid_request',
      retryable: false,
    });
    expect(classifyError(new sdkErrors.InvalidRequestError('bad input'))).toMatchObject({
      code: 'invalid_request',
    });
  });

  it('maps DOM aborts and timeouts, socket errors and fetch failures', () => {
    expect(classifyError(new DOMException('aborted', 'AbortError')).code).toBe('aborted');
    expect(classifyError(new DOMException('timed out', 'TimeoutError')).code).toBe('timeout');
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyError(reset)).toMatchObject({ code: 'network', retryable: true });
    const fetchFailed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    expect(classifyError(fetchFailed)).toMatchObject({ code: 'network', retryable: true });
    const unexpected = new sdkErrors.UnexpectedClientError('Unexpected', { cause: reset });
    expect(classifyError(unexpected).code).toBe('network');
  });

  it('classifies errors from another copy of the SDK by name and shape', () => {
    const foreign = Object.assign(new Error('API error occurred: Status 503'), {
      name: 'SDKError',
      statusCode: 503,
      body: 'unavailable',
      headers: new Headers({ 'retry-after': '1' }),
    });
    expect(classifyError(foreign)).toMatchObject({
      code: 'server',
      status: 503,
      retryAfterMs: 1000,
    });
  });

  it('returns unknown for anything else, including non-errors', () => {
    expect(classifyError(new Error('boom'))).toMatchObject({ code: 'unknown', retryable: false });
    expect(classifyError('a string')).toMatchObject({ code: 'unknown', retryable: false });
    expect(classifyError(undefined)).toMatchObject({ code: 'unknown' });
  });

  it('keeps the classification of an ApiError', () => {
    const error = new ApiError({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 10,
      message: 'x',
    });
    expect(classifyError(error)).toEqual({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 10,
      message: 'x',
    });
  });
});

describe('toApiError', () => {
  it('wraps with the classification and keeps the cause', () => {
    const cause = new sdkErrors.SDKError('', httpMeta(500, 'oops'));
    const error = toApiError(cause);
    expect(ApiError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'server', status: 500, retryable: true });
    expect(error.cause).toBe(cause);
    expect(toApiError(error)).toBe(error);
  });

  it('removes bearer tokens from the message and the cause body', () => {
    const leaky = new sdkErrors.SDKError(
      'API error occurred',
      httpMeta(401, '{"message":"bad header Bearer abc.def-123"}'),
    );
    const error = toApiError(leaky);
    expect(error.message).not.toContain('abc.def-123');
    expect((error.cause as { body: string }).body).not.toContain('abc.def-123');
    expect((error.cause as Error).message).not.toContain('abc.def-123');
  });
});
