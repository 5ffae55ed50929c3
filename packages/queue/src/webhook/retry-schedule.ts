import { InvalidArgumentError } from '@mistral-flows/core';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The Standard Webhooks retry schedule: the first attempt at once, then retries 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h after the previous one (eight attempts over about 27.6 hours).
 * Each entry is the wait before one retry.
 */
export const STANDARD_RETRY_SCHEDULE: readonly number[] = Object.freeze([
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

/**
 * A schedule with every wait multiplied by `factor`, for tests and demos:
 * `compressSchedule(STANDARD_RETRY_SCHEDULE, 1 / 1000)` retries after 5 ms, 300 ms, 1.8 s, ...
 */
export function compressSchedule(schedule: readonly number[], factor: number): number[] {
  if (!(factor > 0 && Number.isFinite(factor))) {
    throw new InvalidArgumentError('factor', `expected a positive number, got ${String(factor)}`);
  }
  return schedule.map((ms) => Math.round(ms * factor));
}

/** Checks a schedule: a list of waits in milliseconds, each a finite number >= 0. */
export function checkSchedule(schedule: readonly number[]): readonly number[] {
  const list: unknown = schedule;
  if (
    !Array.isArray(list) ||
    list.some((ms) => !(typeof ms === 'number' && ms >= 0 && ms < Infinity))
  ) {
    throw new InvalidArgumentError(
      'retrySchedule',
      'expected an array of waits in milliseconds, each a number >= 0',
    );
  }
  return schedule;
}

/**
 * The wait before the next attempt after `attemptsMade` failed ones, or `undefined` when the
 * schedule is exhausted (the delivery is dead). Attempts made = 1 gives the first retry's wait.
 */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
): number | undefined {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) return undefined;
  return schedule[attemptsMade - 1];
}
