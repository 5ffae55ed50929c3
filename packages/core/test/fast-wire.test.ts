import type { ChatCompletionRequest } from '@mistralai/mistralai/models/components';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import * as sdkErrors from '@mistralai/mistralai/models/errors';
import { getEventListeners } from 'node:events';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatRequestBody } from '../src/client/fast-chat-request.js';
import { InvalidArgumentError, createClient, type CreateClientOptions } from '../src/index.js';
import { startTestServer, testServers, type TestServer } from './http-server.js';
import { describeWireCases, everySharedField, tools } from './wire-cases.js';
import { chatEndpoint, compareWires, describeError, errorOf, valueOf } from './wire-comparison.js';

const model = 'mistral-small-latest';
const apiKey = 'fast-wire-test-key';
const city = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
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

describeWireCases({
  name: 'chat',
  endpoint: chatEndpoint,
  path: '/v1/chat/completions',
  prepare: () =>
    Promise.resolve({
      ask: user,
      askWithTools: (content: string) => ({ ...user(content), tools }),
    }),
});

describe('chat.complete on the fast wire, against the emulator', () => {
  let emulator: Emulator;
  let on: CreateClientOptions;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKey });
    on = { serverURL: emulator.url, apiKey };
  });
  afterAll(async () => {
    await emulator.close();
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

  it('throws the same SDKError for an unknown model (400)', async () => {
    const e400 = errorOf(await expectSame(on, { ...user('hi'), model: 'no-such-model' }));
    expect(e400).toMatchObject({ statusCode: 400 });
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
  const servers = testServers(apiKey);
  const { answering } = servers;

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
    const server = await servers.start((_req, res, body) => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion([{ index: 0, finish_reason: 'stop', message: { content: 'ok' } }]));
    });
    const request: ChatCompletionRequest = {
      model,
      temperature: null,
      ...everySharedField,
      responseFormat: {
        type: 'json_schema',
        jsonSchema: { name: 'x', description: null, schemaDefinition: { type: 'object' } },
      },
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
    await servers.close();
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
      await servers.close();
    }
  });

  it('throws the same error for malformed JSON, on a 200 and on a 422', async () => {
    const ok = errorOf(await expectSame(await answering(200, '{"id": '), user('hi')));
    expect(ok).toBeInstanceOf(SyntaxError);
    await servers.close();
    const invalid = errorOf(await expectSame(await answering(422, 'not json'), user('hi')));
    expect(invalid).toBeInstanceOf(SyntaxError);
  });

  it('throws the same SDKError for an unexpected status or content type', async () => {
    const text = errorOf(await expectSame(await answering(200, 'hello', 'text/plain'), user('hi')));
    expect(text).toBeInstanceOf(sdkErrors.SDKError);
    expect((text as Error).message).toMatch(/^Unexpected Status or Content-Type/);
    await servers.close();
    const created = errorOf(await expectSame(await answering(201, completion([])), user('hi')));
    expect(created).toMatchObject({ statusCode: 201 });
    await servers.close();
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

describe('the fast wire over node:http, against exact answers', () => {
  const servers = testServers(apiKey);
  const answer = JSON.stringify({
    id: 'c1',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi' } }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  const events = `data: ${JSON.stringify({
    id: 'c1',
    model,
    choices: [{ index: 0, delta: { content: 'é🌊' }, finish_reason: 'stop' }],
  })}\n\ndata: [DONE]\n\n`;
  const compress: Record<string, (text: string) => Buffer> = {
    gzip: (text) => gzipSync(text),
    deflate: (text) => deflateSync(text),
    br: (text) => brotliCompressSync(text),
    'deflate, gzip': (text) => gzipSync(deflateSync(text)),
    identity: (text) => Buffer.from(text),
  };

  it('reads answers and streams compressed with gzip, deflate or br as fetch does', async () => {
    for (const [encoding, encode] of Object.entries(compress)) {
      const on = await servers.start((req, res) => {
        const stream = req.headers.accept === 'text/event-stream';
        res.writeHead(200, {
          'content-type': stream ? 'text/event-stream' : 'application/json',
          'content-encoding': encoding,
        });
        res.end(encode(stream ? events : answer));
      });
      const options = { serverURL: on.url, apiKey };
      expect(valueOf(await expectSame(options, user('hi'))).choices[0]?.message?.content).toBe(
        'hi',
      );
      const streamed = await expectSameStream(options, user('hi'));
      expect(streamed.error).toBeUndefined();
      expect(streamed.events[0]?.data.choices[0]?.delta.content).toBe('é🌊');
      expect(servers.requests.at(-1)?.headers['accept-encoding']).toBe('gzip, deflate');
    }
  });

  it('fails the same way when an answer stalls after its headers, until the timeout', async () => {
    for (const contentType of ['application/json', 'text/event-stream']) {
      const on = await servers.start((_req, res) => {
        res.writeHead(200, { 'content-type': contentType });
        res.write(contentType === 'application/json' ? '{"id": "c1", ' : events.slice(0, 40));
      });
      const options = { serverURL: on.url, apiKey, timeoutMs: 100 };
      if (contentType === 'application/json') {
        const error = errorOf(await expectSame(options, user('hi')));
        expect((error as Error).name).toBe('TimeoutError');
      } else {
        const streamed = await expectSameStream(options, user('hi'));
        expect((streamed.error as Error).name).toBe('TimeoutError');
      }
    }
  });

  it('leaves no listener on a caller signal shared by many calls, answered or failed', async () => {
    const shared = new AbortController();
    const on = await servers.start((req, res) => {
      const fail = req.headers['x-fail'] === '1';
      const stream = req.headers.accept === 'text/event-stream';
      res.writeHead(fail ? 500 : 200, {
        'content-type': stream ? 'text/event-stream' : 'application/json',
      });
      res.end(fail ? '{"message":"no"}' : stream ? events : answer);
    });
    const fast = createClient({ serverURL: on.url, apiKey, env: {}, wire: 'fast' });
    const calls = Array.from({ length: 30 }, (_, i) =>
      fast.chat
        .complete(user('hi'), {
          signal: shared.signal,
          headers: i % 2 ? { 'x-fail': '1' } : {},
        })
        .then(
          () => 'ok',
          () => 'failed',
        ),
    );
    expect(new Set(await Promise.all(calls))).toEqual(new Set(['ok', 'failed']));
    const stream = await fast.chat.stream(user('hi'), { signal: shared.signal });
    for await (const event of stream) expect(event.data.id).toBe('c1');
    // Each call lets go of the signal once its connection is done with (a tick after the end).
    await waitFor(() => getEventListeners(shared.signal, 'abort').length === 0);
  });

  it('warns as the SDK does when the API says the model is deprecated', async () => {
    const on = await servers.start((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-model-deprecation-timestamp': '2027-01-01',
      });
      res.end(answer);
    });
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      valueOf(await expectSame({ serverURL: on.url, apiKey }, user('hi')));
      await waitFor(() => warnings.length === 2);
    } finally {
      console.warn = warn;
    }
    expect(warnings[1]).toEqual(warnings[0]);
    expect(String(warnings[0]?.[0])).toContain(
      `The model ${model} is deprecated and will be removed on 2027-01-01`,
    );
  });
});
