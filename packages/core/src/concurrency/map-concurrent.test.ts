import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { mapConcurrent, type MapConcurrentProgress } from './map-concurrent.js';
import { RateLimiter } from './rate-limiter.js';

/** A promise whose resolution the test controls. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('mapConcurrent', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles every item in input order, failures included', async () => {
    const results = await mapConcurrent(
      [30, 10, 20, 0],
      async (ms, { index }) => {
        await new Promise((r) => setTimeout(r, ms));
        if (index === 2) throw new Error(`item ${index} failed`);
        return ms * 2;
      },
      { concurrency: 2 },
    );
    expect(results).toEqual([
      { status: 'fulfilled', index: 0, value: 60 },
      { status: 'fulfilled', index: 1, value: 20 },
      { status: 'rejected', index: 2, reason: new Error('item 2 failed') },
      { status: 'fulfilled', index: 3, value: 0 },
    ]);
  });

  it('never runs more than `concurrency` items at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const gates = Array.from({ length: 20 }, () => deferred());
    const done = mapConcurrent(
      gates,
      async (gate) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await gate.promise;
        inFlight--;
      },
      { concurrency: 3 },
    );
    for (const gate of gates) {
      await new Promise((r) => setImmediate(r));
      expect(inFlight).toBeLessThanOrEqual(3);
      gate.resolve();
    }
    await done;
    expect(peak).toBe(3);
  });

  it('reads a huge generator lazily: pulled items never run ahead of settled ones by more than `concurrency`', async () => {
    let pulled = 0;
    let settled = 0;
    let maxAhead = 0;
    function* items() {
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - settled);
        yield i;
      }
    }
    const controller = new AbortController();
    const done = mapConcurrent(
      items(),
      async (i) => {
        await Promise.resolve();
        settled++;
        if (i === 5_000) controller.abort(new Error('enough'));
        return i;
      },
      { concurrency: 8, signal: controller.signal },
    );
    await expect(done).rejects.toThrow('enough');
    expect(pulled).toBeLessThan(5_100);
    expect(maxAhead).toBeLessThanOrEqual(8);
  });

  it('accepts async iterables', async () => {
    async function* items() {
      for (let i = 0; i < 50; i++) {
        await Promise.resolve();
        yield i;
      }
    }
    const results = await mapConcurrent(items(), (i) => i * i, { concurrency: 4 });
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : -1))).toEqual(
      Array.from({ length: 50 }, (_, i) => i * i),
    );
  });

  it('rejects when the input itself fails, rather than losing items silently', async () => {
    async function* broken() {
      yield 1;
      throw new Error('source broke');
    }
    await expect(mapConcurrent(broken(), (i) => i, { concurrency: 2 })).rejects.toThrow(
      'source broke',
    );
  });

  it('reports progress after each item', async () => {
    const seen: MapConcurrentProgress[] = [];
    await mapConcurrent(
      [1, 2, 3],
      (i) => {
        if (i === 2) throw new Error('no');
        return i;
      },
      { concurrency: 1, onProgress: (p) => seen.push(p) },
    );
    expect(seen.at(-1)).toEqual({ settled: 3, fulfilled: 2, rejected: 1, inFlight: 0 });
    expect(seen.map((p) => p.settled)).toEqual([1, 2, 3]);
  });

  it('acquires the rate limiter before each item', async () => {
    vi.useFakeTimers({ now: 0 });
    const limiter = new RateLimiter({ requests: 2, intervalMs: 1000 });
    const started: number[] = [];
    const done = mapConcurrent([1, 2, 3, 4, 5], () => started.push(Date.now()), {
      concurrency: 5,
      rateLimiter: limiter,
    });
    await vi.advanceTimersByTimeAsync(2000);
    await done;
    expect(started).toEqual([0, 0, 1000, 1000, 2000]);
  });

  it('passes the signal to each call and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const signals: Array<AbortSignal | undefined> = [];
    const done = mapConcurrent(
      [1, 2, 3],
      (_i, { signal }) => {
        signals.push(signal);
        return new Promise(() => undefined);
      },
      { concurrency: 2, signal: controller.signal },
    );
    await new Promise((r) => setImmediate(r));
    controller.abort(new Error('cancelled by user'));
    await expect(done).rejects.toThrow('cancelled by user');
    expect(signals).toEqual([controller.signal, controller.signal]);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'throws a typed error naming concurrency for %s',
    async (concurrency) => {
      const error = await mapConcurrent([1], (i) => i, { concurrency }).catch((e: unknown) => e);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe('concurrency');
    },
  );

  it('throws a typed error for input that is not iterable', async () => {
    await expect(mapConcurrent(42 as never, (i) => i, { concurrency: 1 })).rejects.toMatchObject({
      argument: 'items',
    });
  });
});
