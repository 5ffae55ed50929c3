import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { requestSignal, withRequestSignal } from './request-signal.js';

/** A request that settles only when its signal aborts, with the signal's reason. */
const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error)),
  );

describe('withRequestSignal', () => {
  it('resolves with the request and leaves no timer behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(await withRequestSignal(undefined, 60_000, () => Promise.resolve(42))).toBe(42);
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBe(before);
  });

  it('aborts with a TimeoutError when the deadline passes', async () => {
    const error = await withRequestSignal(undefined, 5, untilAborted).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });

  it("aborts with the caller's reason, and removes its listener from the caller's signal", async () => {
    const caller = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    const signal = caller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, ...rest: [never, never]) => {
      added.push(type);
      add(type, ...rest);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, ...rest: [never, never]) => {
      removed.push(type);
      remove(type, ...rest);
    }) as typeof signal.removeEventListener;

    await withRequestSignal(signal, 60_000, () => Promise.resolve('done'));
    expect(removed).toEqual(added);

    const pending = withRequestSignal(signal, 60_000, untilAborted).catch((e: unknown) => e);
    caller.abort(new Error('stop'));
    expect(await pending).toMatchObject({ message: 'stop' });
    // Already aborted: the request sees an aborted signal at once.
    const aborted = await withRequestSignal(signal, 60_000, (s) => Promise.resolve(s.aborted));
    expect(aborted).toBe(true);
  });

  it('refuses a timeout that is not a positive number', async () => {
    await expect(withRequestSignal(undefined, 0, () => Promise.resolve(1))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe('requestSignal', () => {
  /** V8's collector, exposed at run time for the test that needs one. */
  const collectGarbage = (): (() => void) => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  };

  it('still times out after garbage collections (a timeout kept only weakly would be lost)', async () => {
    const gc = collectGarbage();
    const caller = new AbortController();
    const signal = requestSignal(caller.signal, 50);
    let reason: unknown;
    signal.addEventListener('abort', () => {
      reason = signal.reason as unknown;
    });
    // Collections while the deadline runs: a timer held only through the signal it aborts is
    // collected with it, and the request it guards then waits for ever.
    await waitFor(
      () => {
        gc();
        return reason !== undefined;
      },
      { timeoutMs: 2_000, intervalMs: 10, what: 'the timeout to abort the signal' },
    );
    expect(reason).toMatchObject({ name: 'TimeoutError' });
  });

  it("aborts with the caller's reason before its deadline", () => {
    const caller = new AbortController();
    const signal = requestSignal(caller.signal, 60_000);
    caller.abort(new Error('stopped'));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toMatchObject({ message: 'stopped' });
  });
});
