import { classifyError } from '@mistral-flows/core';
import { describe, expect, it } from 'vitest';
import { jobOutcome } from './job-outcome.js';

/** An error shaped like the SDK's HTTP errors, classified by core. */
function httpError(status: number, headers: Record<string, string> = {}) {
  const error = Object.assign(new Error(`HTTP ${status}`), {
    name: 'MistralError',
    statusCode: status,
    body: '{"message":"nope"}',
    headers: new Headers(headers),
  });
  return classifyError(error);
}

describe('jobOutcome', () => {
  it('pauses for Retry-After on a 429, whatever the attempts made', () => {
    expect(jobOutcome(httpError(429, { 'retry-after': '3' }), 0, 3)).toEqual({
      kind: 'rate-limit',
      delayMs: 3_000,
    });
    expect(jobOutcome(httpError(429), 5, 3)).toEqual({ kind: 'rate-limit', delayMs: 1_000 });
  });

  it('retries 5xx, timeouts and network errors while attempts remain', () => {
    for (const classification of [
      httpError(500),
      httpError(503),
      classifyError(Object.assign(new Error('x'), { name: 'ConnectionError' })),
      classifyError(Object.assign(new Error('x'), { name: 'RequestTimeoutError' })),
    ]) {
      expect(jobOutcome(classification, 0, 3)).toEqual({ kind: 'retry' });
      expect(jobOutcome(classification, 1, 3)).toEqual({ kind: 'retry' });
      expect(jobOutcome(classification, 2, 3)).toEqual({ kind: 'fail', reason: 'exhausted' });
    }
  });

  it('fails 4xx other than 429 at once, as unrecoverable', () => {
    for (const status of [400, 401, 403, 404, 422]) {
      expect(jobOutcome(httpError(status), 0, 3)).toEqual({
        kind: 'fail',
        reason: 'unrecoverable',
      });
    }
  });

  it('fails responses the SDK could not validate, and unknown errors, as unrecoverable', () => {
    const invalid = classifyError(
      Object.assign(new Error('bad'), { name: 'ResponseValidationError' }),
    );
    expect(jobOutcome(invalid, 0, 3)).toEqual({ kind: 'fail', reason: 'unrecoverable' });
    expect(jobOutcome(classifyError(new Error('?')), 0, 3)).toEqual({
      kind: 'fail',
      reason: 'unrecoverable',
    });
  });

  it('with one attempt, fails a retryable error at once', () => {
    expect(jobOutcome(httpError(500), 0, 1)).toEqual({ kind: 'fail', reason: 'exhausted' });
  });
});
