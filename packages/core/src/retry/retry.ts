import { classifyError } from '../errors/classify-error.js';
import type { ErrorClassification } from '../errors/api-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { abortReason, sleep } from './sleep.js';

export interface RetryPolicy extends BackoffOptions {
  /** Attempts in all, the first included (default 4). */
  maxAttempts?: number;
  /**
   * A server's `Retry-After` longer than this is not waited for: the error is thrown at once
   * (default 60 s).
   */
  maxRetryAfterMs?: number;
  /** Decides which failures are retried (default: what `classifyError` marks retryable). */
  shouldRetry?: (classification: ErrorClassification, error: unknown) => boolean;
  /** Called before each wait, with the delay about to be slept. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
  classification: ErrorClassification;
}

export interface RetryContext {
  /** The attempt about to run (1-based). */
  attempt: number;
  signal: AbortSignal | undefined;
}

export interface RetryOptions {
  signal?: AbortSignal;
}

/**
 * Runs `fn` until it succeeds, retrying what `classifyError` marks retryable (429, 5xx, network
 * errors, timeouts) with exponential backoff and full jitter. A `Retry-After` from the server is
 * honoured: the wait is at least that long. Aborting the signal stops the wait at once and
 * rejects with the abort reason; the last error is thrown unchanged when retries run out.
 */
export async function retry<T>(
  fn: (context: RetryContext) => Promise<T>,
  policy: RetryPolicy = {},
  options: RetryOptions = {},
): Promise<T> {
  const { maxAttempts = 4, maxRetryAfterMs = 60_000, shouldRetry, onRetry } = policy;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidArgumentError(
      'maxAttempts',
      `expected an integer >= 1, got ${String(maxAttempts)}`,
    );
  }
  const { signal } = options;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await fn({ attempt, signal });
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      const classification = classifyError(error);
      const retryable = shouldRetry ? shouldRetry(classification, error) : classification.retryable;
      if (!retryable || attempt >= maxAttempts) throw error;
      const retryAfter = classification.retryAfterMs;
      if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) throw error;
      const delayMs = Math.max(backoffDelay(attempt, policy), retryAfter ?? 0);
      onRetry?.({ attempt, delayMs, error, classification });
      await sleep(delayMs, signal);
    }
  }
}
