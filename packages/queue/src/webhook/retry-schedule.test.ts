import { describe, expect, it } from 'vitest';
import { compressSchedule, nextRetryDelay, STANDARD_RETRY_SCHEDULE } from './retry-schedule.js';

describe('STANDARD_RETRY_SCHEDULE', () => {
  it("is Standard Webhooks' schedule after the immediate first attempt", () => {
    const s = 1_000;
    const m = 60 * s;
    const h = 60 * m;
    expect(STANDARD_RETRY_SCHEDULE).toEqual([5 * s, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h]);
  });
});

describe('nextRetryDelay', () => {
  it('gives the wait before each retry, then undefined once the schedule is exhausted', () => {
    const schedule = [10, 20, 30];
    expect([1, 2, 3, 4].map((n) => nextRetryDelay(schedule, n))).toEqual([10, 20, 30, undefined]);
    expect(nextRetryDelay(schedule, 0)).toBeUndefined();
  });
});

describe('compressSchedule', () => {
  it('scales every wait', () => {
    expect(compressSchedule(STANDARD_RETRY_SCHEDULE, 1 / 1000).slice(0, 3)).toEqual([
      5, 300, 1_800,
    ]);
  });

  it('refuses a factor that is not positive', () => {
    expect(() => compressSchedule([1], 0)).toThrow(/factor/);
  });
});
