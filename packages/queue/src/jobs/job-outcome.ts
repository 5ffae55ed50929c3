import type { ErrorClassification } from '@mistral-flows/core';

/** What a failed model call means for its BullMQ job. */
export type JobOutcome =
  /** 429: pause the whole queue for `delayMs` and put the job back, without counting an attempt. */
  | { kind: 'rate-limit'; delayMs: number }
  /** 5xx, network, timeout: fail this attempt; BullMQ retries after the worker's backoff. */
  | { kind: 'retry' }
  /** 4xx (other than 429), invalid responses, or no attempts left: fail for good. */
  | { kind: 'fail'; reason: 'unrecoverable' | 'exhausted' };

/** Pause used for a 429 that came without `Retry-After`. */
export const DEFAULT_RATE_LIMIT_MS = 1_000;

/**
 * Maps core's classification of a model call's error to a BullMQ outcome. `attemptsMade` counts
 * the attempts that failed before this one; `attempts` is the worker's limit.
 */
export function jobOutcome(
  error: Pick<ErrorClassification, 'code' | 'retryable' | 'retryAfterMs'>,
  attemptsMade: number,
  attempts: number,
): JobOutcome {
  if (error.code === 'rate_limited') {
    return {
      kind: 'rate-limit',
      delayMs: Math.max(1, error.retryAfterMs ?? DEFAULT_RATE_LIMIT_MS),
    };
  }
  if (!error.retryable) return { kind: 'fail', reason: 'unrecoverable' };
  if (attemptsMade + 1 >= attempts) return { kind: 'fail', reason: 'exhausted' };
  return { kind: 'retry' };
}
