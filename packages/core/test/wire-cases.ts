import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator, type EmulatorOptions } from '@mistral-flows/emulator';
import type { ChatCompletionRequest } from '@mistralai/mistralai/models/components';
import * as sdkErrors from '@mistralai/mistralai/models/errors';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, type CreateClientOptions } from '../src/index.js';
import type { RequestOptions } from '@mistralai/mistralai/lib/sdks.js';
import {
  compareWires,
  errorOf,
  valueOf,
  type StreamOutcome,
  type WireEndpoint,
} from './wire-comparison.js';

const apiKey = 'fast-wire-test-key';
const city = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const zone = { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] };

/** Two function tools, `get_weather` and `get_time`, which the emulator's model calls when asked. */
export const tools: NonNullable<ChatCompletionRequest['tools']> = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: city } },
  { type: 'function', function: { name: 'get_time', parameters: zone, strict: false } },
];

/**
 * Every field chat and agents requests share, with values that exercise the converter (nulls,
 * an assistant prefix with object arguments, a tool result without an id), for byte-for-byte
 * comparisons of the bodies sent.
 */
export const everySharedField = {
  maxTokens: 20,
  stop: 'END',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: null },
    {
      role: 'assistant',
      content: null,
      prefix: true,
      toolCalls: [{ function: { name: 'f', arguments: { a: [1, 'b'] } } }],
    },
    { role: 'tool', content: 'r', toolCallId: null },
  ],
  tools,
  toolChoice: 'any',
  parallelToolCalls: false,
  reasoningEffort: 'low',
  promptMode: 'reasoning',
  promptCacheKey: 'k',
  serviceTier: 'auto',
} satisfies Omit<ChatCompletionRequest, 'model'>;

/** Answers scripted by the emulators of the shared cases. */
export const scenarios: EmulatorOptions['scenarios'] = [
  { match: { lastUserMessage: 'scripted answer' }, text: 'A scripted "answer" é ✓.' },
  { match: { lastUserMessage: 'missing thing' }, error: { status: 404, message: 'Nope' } },
  {
    match: { lastUserMessage: 'fastapi detail' },
    error: {
      status: 422,
      body: { detail: [{ loc: ['body', 'messages'], msg: 'bad', type: 'value_error' }] },
    },
  },
  { match: { lastUserMessage: 'string detail' }, error: { status: 422, body: { detail: 'x' } } },
  { match: { lastUserMessage: 'cut me' }, error: { status: 503, midStream: true } },
];

/** How the shared cases make requests for one endpoint on the emulator at `on`. */
export interface Asker<CaseRequest> {
  /** A request with one user message. */
  ask(content: string): CaseRequest;
  /** The same, with `tools` offered to the model (by the request or by the agent). */
  askWithTools(content: string): CaseRequest;
}

/** An endpoint the shared cases run on, and how to make its requests on an emulator. */
export interface WireCases<CaseRequest> {
  /** What the `describe` titles name: `chat`, `agents`. */
  name: string;
  endpoint: WireEndpoint<CaseRequest, CaseRequest>;
  /** The endpoint's path, as a failed request's description names it. */
  path: string;
  /** Prepares the emulator at `on` (creates an agent, say) and returns the requests to send. */
  prepare(on: CreateClientOptions): Promise<Asker<CaseRequest>>;
}

/**
 * The differential cases every fast-wire endpoint must pass against the emulator, for `complete`
 * and `stream`: text, usage and finish reasons, tool calls, API errors, 422 shapes, dropped
 * connections, timeouts and aborts, each through both wires with the same outcome.
 */
export function describeWireCases<CaseRequest extends { messages: unknown[] }>(
  cases: WireCases<CaseRequest>,
): void {
  const { expectSame, expectSameStream } = compareWires(cases.endpoint);
  let emulator: Emulator;
  let on: CreateClientOptions;
  let asker: Asker<CaseRequest>;
  const ask = (content: string) => asker.ask(content);
  beforeAll(async () => {
    emulator = await startEmulator({ apiKey, scenarios });
    on = { serverURL: emulator.url, apiKey };
    asker = await cases.prepare(on);
  });
  afterAll(async () => {
    await emulator.close();
  });

  describe(`${cases.name}.complete on the fast wire, against the emulator`, () => {
    it('returns the same text answer, usage included, and ends on length the same way', async () => {
      const res = valueOf(await expectSame(on, ask('Tell me about the tides of Brittany')));
      expect(res.choices[0]?.finishReason).toBe('stop');
      expect(res.usage.totalTokens).toBeGreaterThan(0);
      valueOf(await expectSame(on, ask('Give me the scripted answer')));
      const cut = valueOf(await expectSame(on, { ...ask('Explain rivers'), maxTokens: 3 }));
      expect(cut.choices[0]?.finishReason).toBe('length');
    });

    it('returns the same tool call', async () => {
      const res = valueOf(await expectSame(on, asker.askWithTools('Use get_weather for "Paris"')));
      expect(res.choices[0]?.finishReason).toBe('tool_calls');
      expect(res.choices[0]?.message?.toolCalls).toHaveLength(1);
    });

    it('returns the same parallel tool calls, and sends a conversation with tool results', async () => {
      const request: CaseRequest = {
        ...asker.askWithTools('Use get_weather for "Paris" and get_time for "Europe/Paris"'),
        parallelToolCalls: true,
      };
      const first = valueOf(await expectSame(on, request));
      const calls = first.choices[0]?.message?.toolCalls ?? [];
      expect(calls).toHaveLength(2);
      const followUp: CaseRequest = {
        ...request,
        toolChoice: { type: 'function', function: { name: 'get_time' } },
        messages: [
          { role: 'system', content: 'Be brief.' },
          ...request.messages,
          { role: 'assistant', content: '', toolCalls: calls },
          ...calls.map((call) => ({
            role: 'tool' as const,
            content: '{"ok":true}',
            toolCallId: call.id ?? null,
            name: call.function.name,
          })),
        ],
      };
      valueOf(await expectSame(on, followUp));
    });

    it('throws the same ConnectionError for a connection dropped before any byte', async () => {
      const error = errorOf(
        await expectSame(on, ask('hi'), () => ({
          headers: { 'x-emulator-fault': 'drop-after:0' },
        })),
      );
      expect(error).toBeInstanceOf(sdkErrors.ConnectionError);
    });

    describeCallFaults({
      endpoint: cases.endpoint,
      path: () => cases.path,
      emulator: () => emulator,
      on: () => on,
      ask,
      invalid: (content) => ({ ...ask(content), presencePenalty: 9 }),
    });
  });

  describe(`${cases.name}.stream on the fast wire, against the emulator`, () => {
    it('gives the same events for text, usage and finish reasons stop and length', async () => {
      const text = await expectSameStream(on, ask('Tell me about the tides of Brittany'));
      expect(text.error).toBeUndefined();
      expect(text.events.at(-1)?.data.choices[0]?.finishReason).toBe('stop');
      expect(text.events.at(-1)?.data.usage?.totalTokens).toBeGreaterThan(0);
      const cut = await expectSameStream(on, { ...ask('Explain rivers'), maxTokens: 3 });
      expect(cut.events.at(-1)?.data.choices[0]?.finishReason).toBe('length');
    });

    it('gives the same tool call events', async () => {
      const res = await expectSameStream(
        on,
        asker.askWithTools('Use get_weather for "Paris" and get_time for "Europe/Paris"'),
      );
      const calls = res.events.flatMap((e) => e.data.choices[0]?.delta.toolCalls ?? []);
      expect(calls).toHaveLength(2);
      expect(res.events.at(-1)?.data.choices[0]?.finishReason).toBe('tool_calls');
    });

    it('throws the same errors when opening: 401, 404, 422, 429, 500', async () => {
      const e401 = await expectSameStream({ ...on, apiKey: 'wrong-key' }, ask('hi'));
      expect(e401.error).toBeInstanceOf(sdkErrors.SDKError);
      const e404 = await expectSameStream(on, ask('the missing thing'));
      expect(e404.error).toMatchObject({ statusCode: 404 });
      const e422 = await expectSameStream(on, { ...ask('hi'), presencePenalty: 9 });
      expect(e422.error).toBeInstanceOf(sdkErrors.HTTPValidationError);
      for (const fault of ['429:3', '500']) {
        const res = await expectSameStream(on, ask('hi'), () => ({
          headers: { 'x-emulator-fault': fault },
        }));
        expect(res.error).toBeInstanceOf(sdkErrors.SDKError);
      }
    });

    it('fails the same way when the connection drops mid-stream or the server cuts it', async () => {
      const dropped = await expectSameStream(on, ask('Tell me a long story'), () => ({
        headers: { 'x-emulator-fault': 'drop-after:3' },
      }));
      expect(dropped.events).toHaveLength(4);
      expect(dropped.error).toBeDefined();
      const cut = await expectSameStream(on, ask('cut me'));
      expect(cut.events.length).toBeGreaterThan(0);
    });

    it('times out and aborts the same way', async () => {
      await expectSameTimeoutAndAbort(expectSameStream, on, ask('hi'), {
        ask: async (onSlow) => (await cases.prepare(onSlow)).ask('Tell me a long story'),
        abortAfter: 2,
      });
    });
  });
}

/** A stream to abort on an emulator that sends tokens 20 ms apart, after `abortAfter` events. */
export interface SlowStream<Stream> {
  /** The request to stream on the emulator at `on` (prepared there, an agent created, say). */
  ask(on: CreateClientOptions): Promise<Stream>;
  abortAfter: number;
}

/**
 * Streams through both wires with the same outcome when the client's timeout fires before the
 * answer (`request` on the emulator at `on`, asked to hold it), and when the caller aborts
 * mid-stream (`slow`), which fails both with the same `DOMException` after the same events.
 */
export async function expectSameTimeoutAndAbort<Stream, Event>(
  expectSameStream: (
    on: CreateClientOptions,
    request: Stream,
    options?: () => RequestOptions,
    stop?: (events: Event[]) => boolean,
  ) => Promise<StreamOutcome<Event>>,
  on: CreateClientOptions,
  request: Stream,
  slow: SlowStream<Stream>,
): Promise<void> {
  const hang = () => ({ headers: { 'x-emulator-fault': 'timeout' } });
  const timeout = await expectSameStream({ ...on, timeoutMs: 150 }, request, hang);
  expect(timeout.error).toBeInstanceOf(sdkErrors.RequestTimeoutError);
  // Tokens 20 ms apart, so that the stream is still open when the caller aborts.
  const emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 20 } });
  try {
    const onSlow = { serverURL: emulator.url };
    const aborted = await expectSameStream(
      onSlow,
      await slow.ask(onSlow),
      undefined,
      (seen) => seen.length === slow.abortAfter,
    );
    expect(aborted.events).toHaveLength(slow.abortAfter);
    expect(aborted.error).toBeInstanceOf(DOMException);
  } finally {
    await emulator.close();
  }
}

/** A call on the emulator, for the faults every fast-wire endpoint answers alike. */
export interface CallFaults<Request, Result, Event> {
  endpoint: WireEndpoint<Request, unknown, Result, Event>;
  /** The call's path, as a failed request's description names it (read when a test runs). */
  path(): string;
  /** The emulator, started (with `scenarios`) by the caller's `beforeAll`, and how to reach it. */
  emulator(): Emulator;
  on(): CreateClientOptions;
  /** A request with one user message. */
  ask(content: string): Request;
  /** The same, with a value the emulator refuses with a 422 of its own. */
  invalid(content: string): Request;
}

/**
 * The fault cases of a call (not streamed), each through both wires with the same error: API
 * errors (401, 404, 429 with Retry-After, 500, 503), each 422 shape, timeouts, aborts before and
 * during the call, and nothing listening.
 */
export function describeCallFaults<Request, Result, Event>(
  faults: CallFaults<Request, Result, Event>,
): void {
  const { expectSame } = compareWires(faults.endpoint);
  const ask = (content: string) => faults.ask(content);
  let emulator: Emulator;
  let on: CreateClientOptions;
  beforeAll(() => {
    emulator = faults.emulator();
    on = faults.on();
  });

  it('throws the same SDKError for 401, 404, 429 with Retry-After, 500 and 503', async () => {
    const e401 = errorOf(await expectSame({ ...on, apiKey: 'wrong-key' }, ask('hi')));
    expect(e401).toBeInstanceOf(sdkErrors.SDKError);
    expect(e401).toMatchObject({ statusCode: 401 });
    const e404 = errorOf(await expectSame(on, ask('the missing thing')));
    expect(e404).toMatchObject({ statusCode: 404 });
    for (const fault of ['500', '503']) {
      const error = errorOf(
        await expectSame(on, ask('hi'), () => ({ headers: { 'x-emulator-fault': fault } })),
      );
      expect(error).toMatchObject({ statusCode: Number(fault) });
    }
    const e429 = errorOf(
      await expectSame(on, ask('hi'), () => ({ headers: { 'x-emulator-fault': '429:7' } })),
    );
    expect(e429).toBeInstanceOf(sdkErrors.SDKError);
    expect(classifyError(e429)).toMatchObject({ status: 429, retryAfterMs: 7000 });
  });

  it('throws the same HTTPValidationError for each 422 shape, or the same ResponseValidationError', async () => {
    const observed = errorOf(await expectSame(on, faults.invalid('hi')));
    expect(observed).toBeInstanceOf(sdkErrors.HTTPValidationError);
    const fastapi = errorOf(await expectSame(on, ask('fastapi detail')));
    expect(fastapi).toBeInstanceOf(sdkErrors.HTTPValidationError);
    expect((fastapi as sdkErrors.HTTPValidationError).detail).toHaveLength(1);
    const odd = errorOf(await expectSame(on, ask('string detail')));
    expect(odd).toBeInstanceOf(sdkErrors.ResponseValidationError);
  });
  it("throws the same RequestTimeoutError on the client's and the call's timeout", async () => {
    const hang = () => ({ headers: { 'x-emulator-fault': 'timeout' } });
    const client = errorOf(await expectSame({ ...on, timeoutMs: 150 }, ask('hi'), hang));
    expect(client).toBeInstanceOf(sdkErrors.RequestTimeoutError);
    const call = errorOf(await expectSame(on, ask('hi'), () => ({ ...hang(), timeoutMs: 150 })));
    expect(call).toBeInstanceOf(sdkErrors.RequestTimeoutError);
  });

  it('throws the same RequestAbortedError when the signal aborts, before or during the call', async () => {
    const before = errorOf(
      await expectSame(on, ask('hi'), () => ({ signal: AbortSignal.abort() })),
    );
    expect(before).toBeInstanceOf(sdkErrors.RequestAbortedError);
    const during = errorOf(
      await expectSame(on, ask('hi'), () => {
        const controller = new AbortController();
        const seen = emulator.stats().faultsInjected.timeout ?? 0;
        void waitFor(() => (emulator.stats().faultsInjected.timeout ?? 0) > seen).then(() =>
          controller.abort(),
        );
        return { signal: controller.signal, headers: { 'x-emulator-fault': 'timeout' } };
      }),
    );
    expect(during).toBeInstanceOf(sdkErrors.RequestAbortedError);
  });

  it('throws the same ConnectionError, naming the request, when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = errorOf(await expectSame({ serverURL: `http://127.0.0.1:${port}` }, ask('hi')));
    expect(error).toBeInstanceOf(sdkErrors.ConnectionError);
    expect(classifyError(error).message).toContain(`POST http://127.0.0.1:${port}${faults.path()}`);
  });
}
