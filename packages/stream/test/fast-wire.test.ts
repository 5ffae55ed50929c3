import { createClient } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatStream, StreamError, type StreamEvent } from '../src/index.js';

const model = 'mistral-small-latest';
const ask = (content: string) => ({ model, messages: [{ role: 'user' as const, content }] });
const fastRetry = { initialDelayMs: 1, maxDelayMs: 5 };

/** Every event and the error, with the completion ids (a counter of the emulator's) left out. */
async function outcome(stream$: Observable<StreamEvent>) {
  let error: unknown;
  const events = await lastValueFrom(stream$.pipe(toArray())).catch((e: unknown) => {
    error = e;
    return [];
  });
  return {
    events: events.map((e) => ('id' in e ? { ...e, id: '<id>' } : e)),
    error: StreamError.isInstance(error)
      ? { code: error.code, phase: error.phase, partialText: error.partialText }
      : error,
  };
}

describe('chatStream over createClient({ wire: "fast" })', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('gives the same events and errors as over the SDK wire, restarts and drops included', async () => {
    const sdk = createClient({ serverURL: emulator.url, env: {} });
    const fast = createClient({ serverURL: emulator.url, env: {}, wire: 'fast' });
    const runs: Array<[string, Parameters<typeof chatStream>[2]]> = [
      ['Explain how a token bucket limits requests.', {}],
      [
        'Explain photosynthesis step by step.',
        { headers: { 'x-emulator-fault': 'drop-after:5' }, retry: fastRetry },
      ],
      ['Name a river.', { headers: { 'x-emulator-fault': '503' }, retry: false }],
    ];
    for (const [i, [prompt, options]] of runs.entries()) {
      const expected = await outcome(chatStream(sdk, ask(prompt), options));
      const actual = await outcome(chatStream(fast, ask(prompt), options));
      expect(actual, `run ${i}`).toStrictEqual(expected);
    }
    const restart = (key: string) => ({
      headers: {
        'x-emulator-fault': 'drop-after:5',
        'x-emulator-fault-times': '1',
        'x-emulator-request-key': key,
      },
      onInterrupt: 'restart' as const,
      retry: fastRetry,
    });
    const expected = await outcome(chatStream(sdk, ask('Explain tides.'), restart('sdk')));
    const actual = await outcome(chatStream(fast, ask('Explain tides.'), restart('fast')));
    expect(actual).toStrictEqual(expected);
    expect(actual.events.some((e) => e.type === 'restart')).toBe(true);
  });
});
