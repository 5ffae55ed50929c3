import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

export interface BackoffOptions {
  /** Delay before the first retry, before jitter (default 500 ms). */
  initialDelayMs?: number;
  /** Upper bound of any delay (default 30 s). */
  maxDelayMs?: number;
  /** Growth factor per attempt (default 2). */
  multiplier?: number;
  /** `full` (default): a uniform delay in [0, d]; `none`: exactly d. */
  jitter?: 'full' | 'none';
  /** Source of randomness for the jitter, in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/**
 * The delay before retry number `retry` (1 for the first retry): exponential growth from
 * `initialDelayMs` by `multiplier`, capped at `maxDelayMs`, with full jitter by default
 * ("Exponential Backoff And Jitter", AWS Architecture Blog).
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}): number {
  const { initialDelayMs = 500, maxDelayMs = 30_000, multiplier = 2, jitter = 'full' } = options;
  if (!Number.isInteger(retry) || retry < 1) {
    throw new InvalidArgumentError('retry', `expected an integer >= 1, got ${String(retry)}`);
  }
  const ceiling = Math.min(maxDelayMs, initialDelayMs * multiplier ** (retry - 1));
  if (jitter === 'none') return ceiling;
  const random = options.random ?? Math.random;
  return Math.floor(random() * ceiling);
}
