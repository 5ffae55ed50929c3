import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { abortReason } from '../retry/sleep.js';
import type { RateLimiter } from './rate-limiter.js';

/** One settled item, like `Promise.allSettled`'s, plus its position in the input. */
export type Settled<R> =
  | { status: 'fulfilled'; index: number; value: R }
  | { status: 'rejected'; index: number; reason: unknown };

export interface MapConcurrentProgress {
  /** Items settled so far. */
  settled: number;
  fulfilled: number;
  rejected: number;
  /** Items started and not yet settled. */
  inFlight: number;
}

export interface MapConcurrentOptions {
  /** Most items in flight at once (an integer >= 1). */
  concurrency: number;
  /** Acquired before each item starts, for a shared requests-per-interval budget. */
  rateLimiter?: RateLimiter;
  /** Stops taking new items and rejects with the abort reason; passed on to `fn`. */
  signal?: AbortSignal;
  /** Called after each item settles. */
  onProgress?: (progress: MapConcurrentProgress) => void;
}

export interface MapConcurrentContext {
  /** Position of the item in the input. */
  index: number;
  signal: AbortSignal | undefined;
}

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight, and resolves with every
 * outcome, fulfilled or rejected, in input order: the pattern of Python's
 * `asyncio.gather(..., return_exceptions=True)` behind a semaphore, without losing failures.
 *
 * `items` may be an array, any iterable or an async iterable; it is read lazily, so a generator of
 * a million items is never materialised: only `concurrency` items are pending at a time.
 *
 * @example
 * const results = await mapConcurrent(prompts, (prompt) => client.chat.complete({ model, messages: [
 *   { role: 'user', content: prompt } ] }), { concurrency: 5 });
 * for (const r of results) console.log(r.index, r.status);
 */
export async function mapConcurrent<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, context: MapConcurrentContext) => Promise<R> | R,
  options: MapConcurrentOptions,
): Promise<Array<Settled<R>>> {
  const { concurrency, rateLimiter, signal, onProgress } = options ?? ({} as MapConcurrentOptions);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError(
      'concurrency',
      `expected an integer >= 1, got ${String(concurrency)}`,
    );
  }
  if (items === null || items === undefined || !isIterable(items)) {
    throw new InvalidArgumentError('items', 'expected an array, an iterable or an async iterable');
  }
  if (signal?.aborted) throw abortReason(signal);

  const results: Array<Settled<R>> = [];
  const progress: MapConcurrentProgress = { settled: 0, fulfilled: 0, rejected: 0, inFlight: 0 };
  const next = puller(items);
  let nextIndex = 0;
  let stopped = false;
  let failure: { error: unknown } | undefined;

  const worker = async (): Promise<void> => {
    while (!stopped) {
      const step = await next();
      if (step.done || stopped) return;
      const index = nextIndex++;
      progress.inFlight++;
      let outcome: Settled<R>;
      try {
        if (rateLimiter) await rateLimiter.acquire({ signal });
        const value = await fn(step.value, { index, signal });
        outcome = { status: 'fulfilled', index, value };
        progress.fulfilled++;
      } catch (reason) {
        outcome = { status: 'rejected', index, reason };
        progress.rejected++;
      }
      progress.inFlight--;
      progress.settled++;
      results[index] = outcome;
      if (onProgress) onProgress({ ...progress });
    }
  };

  const stop = (error: unknown) => {
    if (!failure) failure = { error };
    stopped = true;
  };

  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => {
      stop(abortReason(signal));
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);

  try {
    const workers: Array<Promise<void>> = [];
    for (let i = 0; i < concurrency; i++) {
      workers.push(
        worker().catch((error: unknown) => {
          stop(error);
        }),
      );
    }
    await Promise.race([Promise.all(workers), aborted]);
  } finally {
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.error;
  return results;
}

function isIterable(value: unknown): value is Iterable<unknown> | AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (Symbol.iterator in value || Symbol.asyncIterator in value)
  );
}

/** Returns a function that yields the next input item; async pulls are serialised. */
function puller<T>(
  items: Iterable<T> | AsyncIterable<T>,
): () => Promise<IteratorResult<T>> | IteratorResult<T> {
  if (Symbol.asyncIterator in items) {
    const iterator = items[Symbol.asyncIterator]();
    let chain: Promise<IteratorResult<T>> = Promise.resolve({ done: false, value: undefined as T });
    let done = false;
    return () => {
      chain = chain.then(async () => {
        if (done) return { done: true, value: undefined };
        const result = await iterator.next();
        if (result.done) done = true;
        return result;
      });
      return chain;
    };
  }
  const iterator = items[Symbol.iterator]();
  let done = false;
  return () => {
    if (done) return { done: true, value: undefined };
    const result = iterator.next();
    if (result.done) done = true;
    return result;
  };
}
