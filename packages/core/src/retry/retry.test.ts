import * as sdkErrors from '@mistralai/mistralai/models/errors';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { retry, type RetryInfo } from './retry.js';

const err = (code: ApiError['code'], retryable: boolean, retryAfterMs?: number) =>
  new ApiError({
    code,
    retryable,
    message: code,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe('retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns the first success and passes the attempt number', async () => {
    const fn = vi.fn(async ({ attempt }: { attempt: number }) => {
      if (attempt < 3) throw err('server', true);
      return `ok on ${attempt}`;
    });
    const done = retry(fn, { random: () => 0.5, initialDelayMs: 100 });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toBe('ok on 3');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('waits the backoff schedule between attempts', async () => {
    const delays: number[] = [];
    const fn = vi.fn(async () => {
      throw err('network', true);
    });
    const done = retry(fn, {
      maxAttempts: 4,
      initialDelayMs: 100,
      multiplier: 2,
      jitter: 'none',
      onRetry: (info: RetryInfo) => delays.push(info.delayMs),
    });
    const outcome = expect(done).rejects.toMatchObject({ code: 'network' });
    await vi.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.runAllTimersAsync();
    await outcome;
    expect(fn).toHaveBeenCalledTimes(4);
    expect(delays).toEqual([100, 200, 400]);
  });

  it('does not retry what is not retryable and throws it unchanged', async () => {
    const original = err('invalid_request', false);
    const fn = vi.fn(async () => {
      throw original;
    });
    await expect(retry(fn)).rejects.toBe(original);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('honours Retry-After as a lower bound on the wait', async () => {
    const fn = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(err('rate_limited', true, 5_000))
      .mockResolvedValue('ok');
    const done = retry(fn, { initialDelayMs: 10, jitter: 'none' });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(done).resolves.toBe('ok');
  });

  it('reads Retry-After from a raw SDK 429', async () => {
    const response = new Response('{}', { status: 429, headers: { 'retry-after': '2' } });
    const sdk429 = new sdkErrors.SDKError('', {
      response,
      request: new Request('http://x/'),
      body: '{}',
    });
    const fn = vi.fn<() => Promise<string>>().mockRejectedValueOnce(sdk429).mockResolvedValue('ok');
    const delays: number[] = [];
    const done = retry(fn, {
      jitter: 'none',
      initialDelayMs: 1,
      onRetry: (i) => delays.push(i.delayMs),
    });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toBe('ok');
    expect(delays).toEqual([2000]);
  });

  it('gives up at once when Retry-After exceeds maxRetryAfterMs', async () => {
    const fn = vi.fn(async () => {
      throw err('rate_limited', true, 120_000);
    });
    await expect(retry(fn, { maxRetryAfterMs: 60_000 })).rejects.toMatchObject({
      retryAfterMs: 120_000,
    });
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops waiting as soon as the signal aborts and rejects with its reason', async () => {
    const controller = new AbortController();
    const fn = vi.fn(async () => {
      throw err('server', true);
    });
    const done = retry(
      fn,
      { initialDelayMs: 10_000, jitter: 'none' },
      { signal: controller.signal },
    );
    const outcome = expect(done).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await outcome;
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses shouldRetry when given', async () => {
    const fn = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('custom'))
      .mockResolvedValue('ok');
    const done = retry(fn, {
      shouldRetry: (_c, e) => (e as Error).message === 'custom',
      initialDelayMs: 1,
    });
    await vi.runAllTimersAsync();
    await expect(done).resolves.toBe('ok');
  });

  it('rejects maxAttempts below 1', async () => {
    await expect(retry(async () => 1, { maxAttempts: 0 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});
