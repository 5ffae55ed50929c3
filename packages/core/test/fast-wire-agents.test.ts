import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import type {
  AgentsCompletionRequest,
  AgentsCompletionStreamRequest,
} from '@mistralai/mistralai/models/components';
import * as sdkErrors from '@mistralai/mistralai/models/errors';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentsRequestBody } from '../src/client/fast-chat-request.js';
import { classifyError, createClient, type CreateClientOptions } from '../src/index.js';
import { startTestServer, type TestServer } from './http-server.js';
import { agentsEndpoint, compareWires, errorOf, valueOf } from './wire-comparison.js';

const apiKey = 'fast-wire-agents-key';
const city = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const zone = { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] };
const tools: NonNullable<AgentsCompletionRequest['tools']> = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: city } },
  { type: 'function', function: { name: 'get_time', parameters: zone, strict: false } },
];

const { expectSame, expectSameStream } = compareWires(agentsEndpoint);

/** Creates an agent through the SDK on the server at `on` and returns its id. */
async function createAgent(on: CreateClientOptions, withTools = false): Promise<string> {
  const agent = await createClient({ env: {}, ...on }).beta.agents.create({
    model: 'mistral-small-latest',
    name: 'Weather desk',
    instructions: 'Answer about the weather.',
    ...(withTools ? { tools } : {}),
  });
  return agent.id;
}

describe('agents.complete on the fast wire, against the emulator', () => {
  let emulator: Emulator;
  let on: CreateClientOptions;
  let agentId: string;
  let toolAgentId: string;
  const ask = (content: string, id = agentId): AgentsCompletionRequest => ({
    agentId: id,
    messages: [{ role: 'user', content }],
  });
  beforeAll(async () => {
    emulator = await startEmulator({
      apiKey,
      scenarios: [
        { match: { lastUserMessage: 'scripted answer' }, text: 'A scripted "answer" é ✓.' },
        {
          match: { lastUserMessage: 'fastapi detail' },
          error: {
            status: 422,
            body: { detail: [{ loc: ['body', 'agent_id'], msg: 'bad', type: 'value_error' }] },
          },
        },
        {
          match: { lastUserMessage: 'string detail' },
          error: { status: 422, body: { detail: 'not a list' } },
        },
      ],
    });
    on = { serverURL: emulator.url, apiKey };
    agentId = await createAgent(on);
    toolAgentId = await createAgent(on, true);
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('returns the same text answer, usage included, and ends on length the same way', async () => {
    const res = valueOf(await expectSame(on, ask('Tell me about the tides of Brittany')));
    expect(res.choices[0]?.finishReason).toBe('stop');
    expect(res.usage.totalTokens).toBeGreaterThan(0);
    valueOf(await expectSame(on, ask('Give me the scripted answer')));
    const cut = valueOf(await expectSame(on, { ...ask('Explain rivers'), maxTokens: 3 }));
    expect(cut.choices[0]?.finishReason).toBe('length');
    const sampled = valueOf(
      await expectSame(on, {
        ...ask('Describe the sea'),
        randomSeed: 42,
        n: 2,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        stop: ['zzz'],
        metadata: { team: 'core' },
      }),
    );
    expect(sampled.choices).toHaveLength(2);
  });

  it("returns the same tool call, with the agent's tools or the request's", async () => {
    const own = valueOf(await expectSame(on, ask('Use get_weather for "Paris"', toolAgentId)));
    expect(own.choices[0]?.finishReason).toBe('tool_calls');
    expect(own.choices[0]?.message?.toolCalls).toHaveLength(1);
    const given = valueOf(
      await expectSame(on, { ...ask('Use get_weather for "Paris"'), tools, toolChoice: 'auto' }),
    );
    expect(given.choices[0]?.message?.toolCalls).toHaveLength(1);
  });

  it('returns the same parallel tool calls, and sends a conversation with tool results', async () => {
    const request: AgentsCompletionRequest = {
      ...ask('Use get_weather for "Paris" and get_time for "Europe/Paris"', toolAgentId),
      parallelToolCalls: true,
    };
    const first = valueOf(await expectSame(on, request));
    const calls = first.choices[0]?.message?.toolCalls ?? [];
    expect(calls).toHaveLength(2);
    const followUp: AgentsCompletionRequest = {
      agentId: toolAgentId,
      toolChoice: { type: 'function', function: { name: 'get_time' } },
      messages: [
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

  it('throws the same SDKError for 401, 404 (unknown agent), 429 with Retry-After and 500', async () => {
    const e401 = errorOf(await expectSame({ ...on, apiKey: 'wrong-key' }, ask('hi')));
    expect(e401).toBeInstanceOf(sdkErrors.SDKError);
    expect(e401).toMatchObject({ statusCode: 401 });
    const e404 = errorOf(await expectSame(on, ask('hi', 'ag_missing')));
    expect(e404).toMatchObject({ statusCode: 404 });
    const e500 = errorOf(
      await expectSame(on, ask('hi'), () => ({ headers: { 'x-emulator-fault': '500' } })),
    );
    expect(e500).toMatchObject({ statusCode: 500 });
    const e429 = errorOf(
      await expectSame(on, ask('hi'), () => ({ headers: { 'x-emulator-fault': '429:7' } })),
    );
    expect(e429).toBeInstanceOf(sdkErrors.SDKError);
    expect(classifyError(e429)).toMatchObject({ status: 429, retryAfterMs: 7000 });
  });

  it('throws the same HTTPValidationError for each 422 shape, or the same ResponseValidationError', async () => {
    const observed = errorOf(await expectSame(on, { ...ask('hi'), presencePenalty: 9 }));
    expect(observed).toBeInstanceOf(sdkErrors.HTTPValidationError);
    const fastapi = errorOf(await expectSame(on, ask('fastapi detail')));
    expect(fastapi).toBeInstanceOf(sdkErrors.HTTPValidationError);
    expect((fastapi as sdkErrors.HTTPValidationError).detail).toHaveLength(1);
    const odd = errorOf(await expectSame(on, ask('string detail')));
    expect(odd).toBeInstanceOf(sdkErrors.ResponseValidationError);
  });

  it('throws the same errors for a dropped connection, a timeout and an abort', async () => {
    const dropped = errorOf(
      await expectSame(on, ask('hi'), () => ({ headers: { 'x-emulator-fault': 'drop-after:0' } })),
    );
    expect(dropped).toBeInstanceOf(sdkErrors.ConnectionError);
    const hang = () => ({ headers: { 'x-emulator-fault': 'timeout' } });
    const timeout = errorOf(await expectSame({ ...on, timeoutMs: 150 }, ask('hi'), hang));
    expect(timeout).toBeInstanceOf(sdkErrors.RequestTimeoutError);
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
        return { signal: controller.signal, ...hang() };
      }),
    );
    expect(during).toBeInstanceOf(sdkErrors.RequestAbortedError);
  });

  it('throws the same ConnectionError, naming the agents URL, when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = errorOf(await expectSame({ serverURL: `http://127.0.0.1:${port}` }, ask('hi')));
    expect(error).toBeInstanceOf(sdkErrors.ConnectionError);
    expect(classifyError(error).message).toContain(
      `POST http://127.0.0.1:${port}/v1/agents/completions`,
    );
  });

  it('goes through the SDK for what it does not handle, with the same outcome', async () => {
    const chunks: AgentsCompletionRequest = {
      agentId,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe the moon' }] }],
    };
    expect(agentsRequestBody(chunks)).toBeUndefined();
    valueOf(await expectSame(on, chunks, undefined, false));
    const withModel = { ...ask('hi'), model: 'mistral-small-latest' } as AgentsCompletionRequest;
    expect(agentsRequestBody(withModel)).toBeUndefined();
    valueOf(await expectSame(on, withModel, undefined, false));
    const invalid = { agentId, messages: [{ role: 'user', content: 3 }] } as never;
    expect(agentsRequestBody(invalid)).toBeUndefined();
    const error = errorOf(await expectSame(on, invalid, undefined, false));
    expect(error).toBeInstanceOf(sdkErrors.SDKValidationError);
    valueOf(await expectSame(on, ask('hi'), () => ({ retries: { strategy: 'none' } })));
  });
});

describe('agents.complete on the fast wire, against exact answers', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function answering(status: number, body: string, contentType = 'application/json') {
    server = await startTestServer((_req, res) => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    });
    return { serverURL: `${server.url}/prefix`, apiKey };
  }
  const ask: AgentsCompletionRequest = {
    agentId: 'ag_1',
    messages: [{ role: 'user', content: 'hi' }],
  };

  it('sends the same bytes and headers as the SDK, agent_id last', async () => {
    const on = await answering(
      200,
      JSON.stringify({
        id: 'cmpl-1',
        object: 'chat.completion',
        model: 'mistral-small-latest',
        created: 1750000000,
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
        choices: [{ index: 0, finish_reason: 'stop', message: { content: 'ok' } }],
      }),
    );
    const request: AgentsCompletionRequest = {
      agentId: 'ag_1',
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
      responseFormat: { type: 'json_object' },
      parallelToolCalls: false,
      reasoningEffort: 'low',
      promptMode: 'reasoning',
      promptCacheKey: 'k',
      serviceTier: 'auto',
    };
    valueOf(await expectSame(on, request));
    const fastClient = createClient({ env: {}, ...on, wire: 'fast' });
    expect(Object.hasOwn(fastClient.agents, 'complete')).toBe(true);
    expect(Object.hasOwn(fastClient.agents, 'stream')).toBe(true);
    expect(Object.hasOwn(createClient({ env: {}, ...on }).agents, 'complete')).toBe(false);
    const [sdk, fast] = server?.requests ?? [];
    expect(fast?.url).toBe('/prefix/v1/agents/completions');
    expect(fast?.headers).toStrictEqual(sdk?.headers);
    const body = agentsRequestBody(request);
    expect(Object.keys(body ?? {}).at(-1)).toBe('agent_id');
    expect(body).not.toHaveProperty('model');
  });

  it('throws the same error for malformed JSON, on a 200 and on a 422', async () => {
    const ok = errorOf(await expectSame(await answering(200, '{"id": '), ask));
    expect(ok).toBeInstanceOf(SyntaxError);
    await server?.close();
    const invalid = errorOf(await expectSame(await answering(422, 'not json'), ask));
    expect(invalid).toBeInstanceOf(SyntaxError);
  });
});

describe('agents.stream on the fast wire, against the emulator', () => {
  let emulator: Emulator;
  let on: CreateClientOptions;
  let agentId: string;
  let toolAgentId: string;
  const ask = (content: string, id = agentId): AgentsCompletionStreamRequest => ({
    agentId: id,
    messages: [{ role: 'user', content }],
  });
  beforeAll(async () => {
    emulator = await startEmulator({
      apiKey,
      scenarios: [
        { match: { lastUserMessage: 'cut me' }, error: { status: 503, midStream: true } },
      ],
    });
    on = { serverURL: emulator.url, apiKey };
    agentId = await createAgent(on);
    toolAgentId = await createAgent(on, true);
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('gives the same events for text, usage and finish reasons stop and length', async () => {
    const text = await expectSameStream(on, ask('Tell me about the tides of Brittany'));
    expect(text.error).toBeUndefined();
    expect(text.events.at(-1)?.data.choices[0]?.finishReason).toBe('stop');
    expect(text.events.at(-1)?.data.usage?.totalTokens).toBeGreaterThan(0);
    const cut = await expectSameStream(on, { ...ask('Explain rivers'), maxTokens: 3 });
    expect(cut.events.at(-1)?.data.choices[0]?.finishReason).toBe('length');
  });

  it('gives the same parallel tool call events', async () => {
    const res = await expectSameStream(
      on,
      ask('Use get_weather for "Paris" and get_time for "Europe/Paris"', toolAgentId),
    );
    const calls = res.events.flatMap((e) => e.data.choices[0]?.delta.toolCalls ?? []);
    expect(calls).toHaveLength(2);
    expect(res.events.at(-1)?.data.choices[0]?.finishReason).toBe('tool_calls');
  });

  it('throws the same errors when opening: 401, 404, 422, 429, 500', async () => {
    const e401 = await expectSameStream({ ...on, apiKey: 'wrong-key' }, ask('hi'));
    expect(e401.error).toBeInstanceOf(sdkErrors.SDKError);
    const e404 = await expectSameStream(on, ask('hi', 'ag_missing'));
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
    const hang = () => ({ headers: { 'x-emulator-fault': 'timeout' } });
    const timeout = await expectSameStream({ ...on, timeoutMs: 150 }, ask('hi'), hang);
    expect(timeout.error).toBeInstanceOf(sdkErrors.RequestTimeoutError);
    // Tokens 20 ms apart, so that the stream is still open when the caller aborts.
    const slow = await startEmulator({ latency: { ttftMs: 0, tokenMs: 20 } });
    try {
      const onSlow = { serverURL: slow.url };
      const aborted = await expectSameStream(
        onSlow,
        ask('Tell me a long story', await createAgent(onSlow)),
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
