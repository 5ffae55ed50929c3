import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows its capacity at once, then refills evenly and names the wait in whole seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    expect(bucket.retryAfterSeconds()).toBe(1);
    now += 500;
    expect(bucket.take()).toBe(true);
    const slow = new TokenBucket(1, 0.25, () => now);
    expect([slow.take(), slow.take()]).toEqual([true, false]);
    expect(slow.retryAfterSeconds()).toBe(4);
  });

  it('refills a per-minute budget one token at a time and never beyond its capacity', () => {
    let now = 0;
    const minute = new TokenBucket(600, 10, () => now);
    for (let i = 0; i < 600; i++) minute.take();
    expect(minute.available()).toBe(0);
    now += 100;
    expect(minute.available()).toBeCloseTo(1);
    now += 3_600_000;
    expect(minute.available()).toBe(600);
    expect(minute.full).toBe(true);
  });

  it('charges a cost down to zero and resets to full', () => {
    let now = 0;
    const tokens = new TokenBucket(100, 100 / 60, () => now);
    tokens.charge(60);
    expect(tokens.available()).toBe(40);
    tokens.charge(500);
    expect(tokens.available()).toBe(0);
    expect(tokens.take(1)).toBe(false);
    expect(tokens.retryAfterSeconds()).toBe(1);
    now += 30_000;
    expect(tokens.available()).toBeCloseTo(50);
    tokens.reset();
    expect(tokens.full).toBe(true);
  });
});
