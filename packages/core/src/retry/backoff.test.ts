import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap without jitter', () => {
    const o = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 'none' as const };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, o))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('applies full jitter: uniform in [0, ceiling)', () => {
    const o = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000 };
    expect(backoffDelay(3, { ...o, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...o, random: () => 0.5 })).toBe(200);
    expect(backoffDelay(3, { ...o, random: () => 0.999 })).toBe(399);
  });

  it('rejects a retry number below 1', () => {
    expect(() => backoffDelay(0)).toThrow(InvalidArgumentError);
  });
});
