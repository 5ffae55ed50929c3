import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts `n` acquisitions and records when each is admitted (fake time). */
  function admitTimes(limiter: RateLimiter, n: number, tokens?: number): number[] {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      void limiter
        .acquire(tokens === undefined ? {} : { tokens })
        .then(() => times.push(Date.now()));
    }
    return times;
  }

  it('admits at most `requests` per window: 10/s gives 100 admissions in 10 s', async () => {
    const limiter = new RateLimiter({ requests: 10, intervalMs: 1000 });
    const times = admitTimes(limiter, 150);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(times.length).toBe(100);
    // No window of one second holds more than 10 admissions.
    for (let i = 10; i < times.length; i++)
      expect(times[i]! - times[i - 10]!).toBeGreaterThanOrEqual(1000);
    await vi.advanceTimersByTimeAsync(5_001);
    expect(times.length).toBe(150);
    expect(limiter.pending).toBe(0);
  });

  it('admits in FIFO order', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 100 });
    const order: number[] = [];
    for (let i = 0; i < 5; i++) void limiter.acquire().then(() => order.push(i));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('penalize pauses every caller for the given time', async () => {
    const limiter = new RateLimiter({ requests: 100, intervalMs: 1000 });
    limiter.penalize(2_000);
    const times = admitTimes(limiter, 3);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(times).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([2000, 2000, 2000]);
  });

  it('rejects an aborted waiter with the abort reason and lets the others through', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire({ signal: controller.signal });
    const next = limiter.acquire();
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toBeUndefined();
    expect(limiter.pending).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1000 });
    await expect(limiter.acquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('holds calls back when the tokens-per-minute budget is spent', async () => {
    const limiter = new RateLimiter({ requests: 1000, intervalMs: 1000, tokensPerMinute: 1000 });
    const times = admitTimes(limiter, 3, 400);
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(times.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([0, 0, 60_000]);
  });

  it('counts reported usage against the budget', async () => {
    const limiter = new RateLimiter({ requests: 1000, intervalMs: 1000, tokensPerMinute: 500 });
    await vi.advanceTimersByTimeAsync(1000);
    limiter.report(450);
    const times = admitTimes(limiter, 1, 100);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(times).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([61_000]);
  });

  it('tryAcquire never waits', () => {
    const limiter = new RateLimiter({ requests: 2, intervalMs: 1000 });
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
  });

  it('rejects invalid options with a typed error naming them', () => {
    expect(() => new RateLimiter({ requests: 0, intervalMs: 1000 })).toThrow(InvalidArgumentError);
    expect(() => new RateLimiter({ requests: 1, intervalMs: 0 })).toThrow(/intervalMs/);
    expect(() => new RateLimiter({ requests: 1, intervalMs: 1, tokensPerMinute: -1 })).toThrow(
      /tokensPerMinute/,
    );
    const limiter = new RateLimiter({ requests: 1, intervalMs: 1, tokensPerMinute: 10 });
    expect(() => limiter.acquire({ tokens: 11 })).toThrow(/tokens/);
  });
});

describe('RateLimiter with many waiters on one signal', () => {
  it('adds one abort listener per signal and rejects every waiter of it', async () => {
    const limiter = new RateLimiter({ requests: 1, intervalMs: 60_000 });
    await limiter.acquire();
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((
      ...args: Parameters<AbortSignal['addEventListener']>
    ) => {
      listeners++;
      add(...args);
    }) as AbortSignal['addEventListener'];
    const waits = Array.from({ length: 50 }, () => limiter.acquire({ signal: controller.signal }));
    expect(listeners).toBe(1);
    controller.abort(new Error('shutdown'));
    const outcomes = await Promise.allSettled(waits);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(limiter.pending).toBe(0);
  });
});
