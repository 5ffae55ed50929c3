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

  it('observe: spends the remaining requests the API reports, then paces at its refill rate', async () => {
    const limiter = new RateLimiter({ requests: 1000, intervalMs: 1000 });
    await limiter.acquire();
    // Noted when the request leaves (after its own admission), as createClient's hook does.
    const sentAt = limiter.admissions;
    // The answer to that call: 3 of 600 per minute left, one back every 100 ms.
    limiter.observe(
      new Headers({
        'x-ratelimit-limit-req-minute': '600',
        'x-ratelimit-remaining-req-minute': '3',
      }),
      { admissionsBefore: sentAt },
    );
    // The call itself was counted by the server before it answered: 3 more go at once.
    const times = admitTimes(limiter, 6);
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(300);
    expect(times).toEqual([0, 0, 0, 100, 200, 300]);
    expect(limiter.admissions).toBe(7);
  });

  it('observe: counts calls admitted after the reported request was sent', async () => {
    const limiter = new RateLimiter({ requests: 1000, intervalMs: 1000 });
    const sentAt = limiter.admissions;
    admitTimes(limiter, 4);
    await vi.advanceTimersByTimeAsync(0);
    // The first call's answer says 5 left: the 3 admitted after it leave 2.
    limiter.observe(
      { 'X-RateLimit-Limit-Req-Minute': '60', 'x-ratelimit-remaining-req-minute': '5' },
      { admissionsBefore: sentAt + 1 },
    );
    const times = admitTimes(limiter, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(times).toEqual([0, 0, 1_000]);
  });

  it('observe: holds calls while the reported token budget is spent, at the last call cost', async () => {
    const limiter = new RateLimiter({ requests: 1000, intervalMs: 1000 });
    limiter.observe(
      new Headers({
        'x-ratelimit-limit-tokens-minute': '6000',
        'x-ratelimit-remaining-tokens-minute': '250',
        'x-ratelimit-tokens-query-cost': '100',
      }),
    );
    // 250 tokens left at 100 a call: three calls may start (the third while one token is left).
    const times = admitTimes(limiter, 4);
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([0, 0, 0]);
    // The fourth needs 51 more tokens: 510 ms at 100 tokens a second.
    await vi.advanceTimersByTimeAsync(509);
    expect(times).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([0, 0, 0, 510]);
  });

  it('observe: a fresher report lifts the hold, a stale one is ignored, a 429 pauses everyone', async () => {
    const limiter = new RateLimiter({ requests: 1000, intervalMs: 1000 });
    const empty = {
      'x-ratelimit-limit-req-minute': '60',
      'x-ratelimit-remaining-req-minute': '0',
    };
    limiter.observe(empty);
    const times = admitTimes(limiter, 1);
    await vi.advanceTimersByTimeAsync(500);
    expect(times).toEqual([]);
    // A report for an older request changes nothing; a report as fresh lifts the hold at once.
    limiter.observe(
      { ...empty, 'x-ratelimit-remaining-req-minute': '9' },
      { admissionsBefore: -1 },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([]);
    limiter.observe({ ...empty, 'x-ratelimit-remaining-req-minute': '9' });
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toEqual([500]);
    expect(limiter.observe({ 'retry-after': '2' }, { status: 429 })).toBeUndefined();
    const later = admitTimes(limiter, 1);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(later).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(later).toEqual([2_500]);
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
