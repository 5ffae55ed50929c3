import { createClient } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatStream, conversationStream, StreamError, type StreamEvent } from '../src/index.js';

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

/** Hex ids (conversation, entry and call ids: counters of the emulator's) differ from run to run. */
const withoutIds = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{32}/g, '<id>')) as T;

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

  it('gives the same conversation events as over the SDK wire, started, appended and failed', async () => {
    const sdk = createClient({ serverURL: emulator.url, env: {} });
    const fast = createClient({ serverURL: emulator.url, env: {}, wire: 'fast' });
    const request = { model, inputs: 'Explain tides.', store: true };
    /** A start with `options`, and an append with `options` to a conversation started without. */
    const turn = async (client: typeof sdk, options: Parameters<typeof conversationStream>[2]) => {
      const started = await outcome(conversationStream(client, request, options));
      const stored = await lastValueFrom(conversationStream(client, request).pipe(toArray()));
      const first = stored[0];
      const conversationId = first && 'conversationId' in first ? first.conversationId : undefined;
      expect(conversationId).toBeDefined();
      const appended = await outcome(
        conversationStream(
          client,
          { action: 'append', conversationId: conversationId ?? '', inputs: 'And rivers?' },
          options,
        ),
      );
      return withoutIds({ started, appended });
    };
    const runs: Array<Parameters<typeof conversationStream>[2]> = [
      {},
      { headers: { 'x-emulator-fault': 'drop-after:3' }, retry: false },
      { headers: { 'x-emulator-fault': '503' }, retry: false },
    ];
    for (const [i, options] of runs.entries()) {
      const expected = await turn(sdk, options);
      expect(await turn(fast, options), `run ${i}`).toStrictEqual(expected);
      if (i === 0) expect(expected.appended.events.length).toBeGreaterThan(2);
      if (i > 0) expect(expected.started.error).toBeDefined();
    }
  });
});
