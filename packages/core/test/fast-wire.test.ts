import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import type { ChatCompletionRequest } from '@mistralai/mistralai/models/components';
import * as sdkErrors from '@mistralai/mistralai/models/errors';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatRequestBody } from '../src/client/fast-chat-request.js';
import {
  InvalidArgumentError,
  classifyError,
  createClient,
  type CreateClientOptions,
} from '../src/index.js';
import { startTestServer, type TestServer } from './http-server.js';
import { chatEndpoint, compareWires, describeError, errorOf, valueOf } from './wire-comparison.js';

const model = 'mistral-small-latest';
const apiKey = 'fast-wire-test-key';
const city = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const zone = { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] };
const tools: ChatCompletionRequest['tools'] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: city } },
  { type: 'function', function: { name: 'get_time', parameters: zone, strict: false } },
];
const user = (content: string): ChatCompletionRequest => ({
  model,
  messages: [{ role: 'user', content }],
});

const { expectSame, expectSameStream } = compareWires(chatEndpoint);

describe('createClient({ wire })', () => {
  it('refuses an unknown wire with a typed error', () => {
    expect(() =>
      createClient({ serverURL: 'http://127.0.0.1:1', env: {}, wire: 'slow' as never }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('chat.complete on the fast wire, against the emulator', () => {
  let emulator: Emulator;
  let on: CreateClientOptions;
  beforeAll(async () => {
    emulator = await startEmulator({
      apiKey,
      scenarios: [
        { match: { lastUserMessage: 'scripted answer' }, text: 'A scripted "answer" é ✓.' },
        { match: { lastUserMessage: 'missing thing' }, error: { status: 404, message: 'Nope' } },
        {
          match: { lastUserMessage: 'fastapi detail' },
          error: {
            status: 422,
            body: { detail: [{ loc: ['body', 'model'], msg: 'bad model', type: 'value_error' }] },
          },
        },
        {
          match: { lastUserMessage: 'string detail' },
          error: { status: 422, body: { detail: 'not a list' } },
        },
      ],
    });
    on = { serverURL: emulator.url, apiKey };
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('returns the same text answer, usage included', async () => {
    const res = valueOf(await expectSame(on, user('Tell me about the tides of Brittany')));
    expect(res.choices[0]?.finishReason).toBe('stop');
    expect(res.usage.totalTokens).toBeGreaterThan(0);
    valueOf(await expectSame(on, user('Give me the scripted answer')));
  });

  it('sends the same sampling fields and reads several choices the same way', async () => {
    const res = valueOf(
      await expectSame(on, {
        ...user('Describe the sea'),
        temperature: 0.3,
        topP: 0.9,
        randomSeed: 42,
        n: 2,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        safePrompt: false,
        stop: ['zzz'],
        metadata: { team: 'core' },
      }),
    );
    expect(res.choices).toHaveLength(2);
  });

  it('ends on max_tokens with finish reason length', async () => {
    const res = valueOf(await expectSame(on, { ...user('Explain rivers'), maxTokens: 3 }));
    expect(res.choices[0]?.finishReason).toBe('length');
  });

  it('returns the same tool call', async () => {
    const res = valueOf(
      await expectSame(on, { ...user('Use get_weather for "Paris"'), tools, toolChoice: 'auto' }),
    );
    expect(res.choices[0]?.finishReason).toBe('tool_calls');
    expect(res.choices[0]?.message?.toolCalls).toHaveLength(1);
  });

  it('returns the same parallel tool calls, and sends a conversation with tool results', async () => {
    const request: ChatCompletionRequest = {
      ...user('Use get_weather for "Paris" and get_time for "Europe/Paris"'),
      tools,
      parallelToolCalls: true,
    };
    const first = valueOf(await expectSame(on, request));
    const calls = first.choices[0]?.message?.toolCalls ?? [];
    expect(calls).toHaveLength(2);
    const followUp: ChatCompletionRequest = {
      model,
      tools,
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

  it('returns the same JSON for a json_schema and a json_object response format', async () => {
    const res = valueOf(
      await expectSame(on, {
        ...user('Give me a city'),
        responseFormat: {
          type: 'json_schema',
          jsonSchema: { name: 'city', schemaDefinition: city, strict: true },
        },
      }),
    );
    expect(JSON.parse(res.choices[0]?.message?.content as string)).toHaveProperty('city');
    valueOf(await expectSame(on, { ...user('Any JSON'), responseFormat: { type: 'json_object' } }));
  });

  it('throws the same SDKError for 401, 400, 404, 429 with Retry-After, 500 and 503', async () => {
    const e401 = errorOf(await expectSame({ ...on, apiKey: 'wrong-key' }, user('hi')));
    expect(e401).toBeInstanceOf(sdkErrors.SDKError);
    expect(e401).toMatchObject({ statusCode: 401 });
    const e400 = errorOf(await expectSame(on, { ...user('hi'), model: 'no-such-model' }));
    expect(e400).toMatchObject({ statusCode: 400 });
    const e404 = errorOf(await expectSame(on, user('the missing thing')));
    expect(e404).toMatchObject({ statusCode: 404 });
    for (const fault of ['429:7', '500', '503']) {
      const error = errorOf(
        await expectSame(on, user('hi'), () => ({ headers: { 'x-emulator-fault': fault } })),
      );
      expect(error).toBeInstanceOf(sdkErrors.SDKError);
    }
    const e429 = errorOf(
      await expectSame(on, user('hi'), () => ({ headers: { 'x-emulator-fault': '429:7' } })),
    );
    expect(classifyError(e429)).toMatchObject({ status: 429, retryAfterMs: 7000 });
  });

  it('throws the same HTTPValidationError for each 422 shape, or the same ResponseValidationError', async () => {
    const observed = errorOf(await expectSame(on, { ...user('hi'), temperature: 9 }));
    expect(observed).toBeInstanceOf(sdkErrors.HTTPValidationError);
    const fastapi = errorOf(await expectSame(on, user('fastapi detail')));
    expect(fastapi).toBeInstanceOf(sdkErrors.HTTPValidationError);
    expect((fastapi as sdkErrors.HTTPValidationError).detail).toHaveLength(1);
    const odd = errorOf(await expectSame(on, user('string detail')));
    expect(odd).toBeInstanceOf(sdkErrors.ResponseValidationError);
  });

  it('throws the same ConnectionError for a connection dropped before any byte', async () => {
    const error = errorOf(
      await expectSame(on, user('hi'), () => ({ headers: { 'x-emulator-fault': 'drop-after:0' } })),
    );
    expect(error).toBeInstanceOf(sdkErrors.ConnectionError);
  });

  it("throws the same RequestTimeoutError on the client's and the call's timeout", async () => {
    const hang = () => ({ headers: { 'x-emulator-fault': 'timeout' } });
    const client = errorOf(await expectSame({ ...on, timeoutMs: 150 }, user('hi'), hang));
    expect(client).toBeInstanceOf(sdkErrors.RequestTimeoutError);
    const call = errorOf(await expectSame(on, user('hi'), () => ({ ...hang(), timeoutMs: 150 })));
    expect(call).toBeInstanceOf(sdkErrors.RequestTimeoutError);
  });

  it('throws the same RequestAbortedError when the signal aborts, before or during the call', async () => {
    const before = errorOf(
      await expectSame(on, user('hi'), () => ({ signal: AbortSignal.abort() })),
    );
    expect(before).toBeInstanceOf(sdkErrors.RequestAbortedError);
    const during = errorOf(
      await expectSame(on, user('hi'), () => {
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

  it('throws the same ConnectionError when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = errorOf(await expectSame({ serverURL: `http://127.0.0.1:${port}` }, user('hi')));
    expect(error).toBeInstanceOf(sdkErrors.ConnectionError);
    expect(classifyError(error).message).toContain(
      `POST http://127.0.0.1:${port}/v1/chat/completions`,
    );
  });

  it('goes through the SDK for what it does not handle, with the same outcome', async () => {
    const chunks: ChatCompletionRequest = {
      model,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe the moon' }] }],
    };
    expect(chatRequestBody(chunks)).toBeUndefined();
    valueOf(await expectSame(on, chunks, undefined, false));
    const invalid = { model, messages: [{ role: 'user', content: 3 }] } as never;
    expect(chatRequestBody(invalid)).toBeUndefined();
    const error = errorOf(await expectSame(on, invalid, undefined, false));
    expect(error).toBeInstanceOf(sdkErrors.SDKValidationError);
    valueOf(await expectSame({ ...on, retry: true }, user('hi'), undefined));
    valueOf(await expectSame(on, user('hi'), () => ({ retries: { strategy: 'none' } })));
  });
});

describe('chat.complete on the fast wire, against exact answers', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A server that answers every request with `status`, `body` and a content type. */
  async function answering(status: number, body: string, contentType = 'application/json') {
    server = await startTestServer((_req, res) => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    });
    return { serverURL: `${server.url}/prefix`, apiKey };
  }

  const completion = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id: 'cmpl-1',
      object: 'chat.completion',
      model,
      created: 1750000000,
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      choices,
      ...extra,
    });

  it('sends the same bytes and headers as the SDK', async () => {
    const bodies: string[] = [];
    server = await startTestServer((_req, res, body) => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion([{ index: 0, finish_reason: 'stop', message: { content: 'ok' } }]));
    });
    const request: ChatCompletionRequest = {
      model,
      temperature: null,
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
      responseFormat: {
        type: 'json_schema',
        jsonSchema: { name: 'x', description: null, schemaDefinition: { type: 'object' } },
      },
      parallelToolCalls: false,
      reasoningEffort: 'low',
      promptMode: 'reasoning',
      promptCacheKey: 'k',
      serviceTier: 'auto',
      safePrompt: true,
    };
    valueOf(await expectSame({ serverURL: `${server.url}/prefix`, apiKey }, request));
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
    const [sdk, fast] = server.requests;
    expect(fast?.url).toBe('/prefix/v1/chat/completions');
    expect(fast?.headers).toStrictEqual(sdk?.headers);
    expect(fast?.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('reads extra usage counters, unknown keys and values and defaults the same way', async () => {
    const on = await answering(
      200,
      completion(
        [
          {
            index: 0,
            finish_reason: 'tool_calls',
            message: {
              content: '',
              tool_calls: [
                { function: { name: 'f', arguments: '{}' }, extra: 1 },
                { id: 'c2', type: 'custom', function: { name: 'g', arguments: '' }, index: 1 },
              ],
              extra: 'dropped',
            },
          },
          { index: 1, finish_reason: 'something_new', extra: true },
          { index: 2, finish_reason: 'error', message: { tool_calls: null, prefix: true } },
        ],
        {
          usage: {
            completion_tokens: 2,
            prompt_audio_seconds: 4,
            service_tier: null,
            num_cached_tokens: 1,
            prompt_tokens_details: { cached_tokens: 1 },
          },
          unknown_top_level: 1,
        },
      ),
    );
    valueOf(await expectSame(on, user('hi')));
    await server?.close();
    const delta = { index: 0, finish_reason: 'stop', messages: [{ content: 'd' }] };
    valueOf(await expectSame(await answering(200, completion([delta])), user('hi')));
  });

  it('reads content chunks, object arguments and delta messages through the SDK schema, the same way', async () => {
    const on = await answering(
      200,
      completion(
        [
          {
            index: 0,
            finish_reason: 'model_length',
            message: {
              role: 'assistant',
              content: [{ type: 'text', text: 'chunked' }],
              tool_calls: [{ function: { name: 'f', arguments: { a: 1 } }, extra: 1 }],
            },
          },
        ],
        {
          usage: {
            prompt_tokens: 3,
            prompt_audio_seconds: null,
            service_tier: 'standard',
            num_cached_tokens: 1,
            prompt_tokens_details: { cached_tokens: 1 },
          },
          unknown_top_level: 1,
        },
      ),
    );
    valueOf(await expectSame(on, user('hi')));
  });

  it('throws the same ResponseValidationError for a body the SDK refuses', async () => {
    const bad = [
      completion([{ index: 0, finish_reason: null, message: { content: 'x' } }]),
      completion([], { created: 1.5 }),
      completion([{ index: 0, finish_reason: 'stop', message: { role: 'user' } }]),
      completion([
        { index: 0, finish_reason: 'stop', message: { tool_calls: [{ function: { name: 1 } }] } },
      ]),
      JSON.stringify({ id: 'x', object: 'chat.completion', model, created: 1, choices: [] }),
      '[]',
    ];
    for (const body of bad) {
      const error = errorOf(await expectSame(await answering(200, body), user('hi')));
      expect(error).toBeInstanceOf(sdkErrors.ResponseValidationError);
      await server?.close();
    }
  });

  it('throws the same error for malformed JSON, on a 200 and on a 422', async () => {
    const ok = errorOf(await expectSame(await answering(200, '{"id": '), user('hi')));
    expect(ok).toBeInstanceOf(SyntaxError);
    await server?.close();
    const invalid = errorOf(await expectSame(await answering(422, 'not json'), user('hi')));
    expect(invalid).toBeInstanceOf(SyntaxError);
  });

  it('throws the same SDKError for an unexpected status or content type', async () => {
    const text = errorOf(await expectSame(await answering(200, 'hello', 'text/plain'), user('hi')));
    expect(text).toBeInstanceOf(sdkErrors.SDKError);
    expect((text as Error).message).toMatch(/^Unexpected Status or Content-Type/);
    await server?.close();
    const created = errorOf(await expectSame(await answering(201, completion([])), user('hi')));
    expect(created).toMatchObject({ statusCode: 201 });
    await server?.close();
    const html = errorOf(
      await expectSame(await answering(502, '<html>bad gateway</html>', 'text/html'), user('hi')),
    );
    expect(html).toMatchObject({ statusCode: 502, body: '<html>bad gateway</html>' });
  });

  it('never shows the API key in an error', async () => {
    const error = errorOf(await expectSame(await answering(401, '{"message":"no"}'), user('hi')));
    expect(JSON.stringify(describeError(error))).not.toContain(apiKey);
    expect(String(error)).not.toContain(apiKey);
  });
});

describe('chat.stream on the fast wire, against the emulator', () => {
  let emulator: Emulator;
  let on: CreateClientOptions;
  beforeAll(async () => {
    emulator = await startEmulator({
      apiKey,
      scenarios: [
        { match: { lastUserMessage: 'cut me' }, error: { status: 503, midStream: true } },
      ],
    });
    on = { serverURL: emulator.url, apiKey };
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('gives the same events for text, usage and finish reasons stop and length', async () => {
    const text = await expectSameStream(on, user('Tell me about the tides of Brittany'));
    expect(text.error).toBeUndefined();
    expect(text.events.at(-1)?.data.choices[0]?.finishReason).toBe('stop');
    expect(text.events.at(-1)?.data.usage?.totalTokens).toBeGreaterThan(0);
    const cut = await expectSameStream(on, { ...user('Explain rivers'), maxTokens: 3 });
    expect(cut.events.at(-1)?.data.choices[0]?.finishReason).toBe('length');
  });

  it('gives the same tool call events', async () => {
    const res = await expectSameStream(on, {
      ...user('Use get_weather for "Paris" and get_time for "Europe/Paris"'),
      tools,
    });
    const calls = res.events.flatMap((e) => e.data.choices[0]?.delta.toolCalls ?? []);
    expect(calls).toHaveLength(2);
  });

  it('throws the same errors when opening: 401, 422, 429', async () => {
    const e401 = await expectSameStream({ ...on, apiKey: 'wrong-key' }, user('hi'));
    expect(e401.error).toBeInstanceOf(sdkErrors.SDKError);
    const e422 = await expectSameStream(on, { ...user('hi'), temperature: 9 });
    expect(e422.error).toBeInstanceOf(sdkErrors.HTTPValidationError);
    const e429 = await expectSameStream(on, user('hi'), () => ({
      headers: { 'x-emulator-fault': '429:3' },
    }));
    expect(e429.error).toBeInstanceOf(sdkErrors.SDKError);
  });

  it('fails the same way when the connection drops mid-stream or the server cuts it', async () => {
    const dropped = await expectSameStream(on, user('Tell me a long story'), () => ({
      headers: { 'x-emulator-fault': 'drop-after:3' },
    }));
    expect(dropped.events).toHaveLength(4);
    expect(dropped.error).toBeDefined();
    const cut = await expectSameStream(on, user('cut me'));
    expect(cut.events.length).toBeGreaterThan(0);
  });

  it('times out and aborts the same way', async () => {
    const hang = () => ({ headers: { 'x-emulator-fault': 'timeout' } });
    const timeout = await expectSameStream({ ...on, timeoutMs: 150 }, user('hi'), hang);
    expect(timeout.error).toBeInstanceOf(sdkErrors.RequestTimeoutError);
    // Tokens 20 ms apart, so that the stream is still open when the caller aborts.
    const slow = await startEmulator({ latency: { ttftMs: 0, tokenMs: 20 } });
    try {
      const aborted = await expectSameStream(
        { serverURL: slow.url },
        user('Tell me a long story'),
        undefined,
        (seen) => seen.length === 2,
      );
      expect(aborted.events).toHaveLength(2);
      expect(aborted.error).toBeInstanceOf(DOMException);
    } finally {
      await slow.close();
    }
  });
});

describe('chat.stream on the fast wire, against exact answers', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function streaming(events: string[], contentType = 'text/event-stream') {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': contentType });
      res.end(events.map((e) => `data: ${e}\n\n`).join(''));
    });
    return { serverURL: server.url, apiKey };
  }
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id: 'c1', model, choices, ...extra });

  it('reads optional keys, nulls, content chunks and extra usage the same way', async () => {
    const on = await streaming([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], {
        object: 'chat.completion.chunk',
        created: 1,
      }),
      chunk([
        { index: 0, delta: { content: null, tool_call_id: null, index: 2 }, finish_reason: null },
      ]),
      chunk([{ index: 0, delta: { content: [{ type: 'text', text: 'x' }] }, finish_reason: null }]),
      chunk([{ index: 0, delta: { metadata: { a: 1 } }, finish_reason: null }]),
      chunk(
        [
          {
            index: 0,
            delta: { tool_calls: [{ function: { name: 'f', arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
        { usage: { prompt_tokens: 1, num_cached_tokens: 2 } },
      ),
      '[DONE]',
      chunk([]),
    ]);
    const res = await expectSameStream(on, user('hi'));
    expect(res.events).toHaveLength(5);
  });

  it('fails with the same ZodError on a malformed or refused event, after the same events', async () => {
    const first = chunk([{ index: 0, delta: { content: 'a' }, finish_reason: null }]);
    for (const bad of [
      '{"id": ',
      chunk([], { usage: null }),
      chunk([{ index: 0, delta: {} }]),
      '{"object":"error","message":"boom"}',
    ]) {
      const res = await expectSameStream(await streaming([first, bad]), user('hi'));
      expect(res.events).toHaveLength(1);
      expect((res.error as Error).name).toBe('ZodError');
      await server?.close();
    }
  });

  it('throws the same SDKError for an answer that is not an event stream', async () => {
    const res = await expectSameStream(await streaming(['{}'], 'application/json'), user('hi'));
    expect(res.error).toBeInstanceOf(sdkErrors.SDKError);
  });
});
