import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import type { Mistral } from '@mistralai/mistralai';
import type {
  ConversationEvents,
  ConversationRequest,
  ConversationResponse,
  ConversationStreamRequest,
} from '@mistralai/mistralai/models/components';
import * as sdkErrors from '@mistralai/mistralai/models/errors';
import type {
  AgentsApiV1ConversationsAppendRequest,
  AgentsApiV1ConversationsAppendStreamRequest,
} from '@mistralai/mistralai/models/operations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conversationAppend,
  conversationStartBody,
} from '../src/client/fast-conversation-request.js';
import { createClient, type CreateClientOptions } from '../src/index.js';
import { testServers } from './http-server.js';
import { describeCallFaults, expectSameTimeoutAndAbort, scenarios, tools } from './wire-cases.js';
import { compareWires, errorOf, valueOf, type Wire, type WireEndpoint } from './wire-comparison.js';

const apiKey = 'fast-wire-conversations-key';
const model = 'mistral-small-latest';
const city = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

/** Hex ids (conversation, entry and call ids) differ from call to call. */
const HEX_ID = /[0-9a-f]{32}/g;

/**
 * `fast` with the values that differ from call to call taken from `sdk`: strings that differ only
 * by their hex ids, and dates at most two seconds apart. Every other value, and the key order,
 * stay `fast`'s, so that the comparison still sees them.
 */
function alignPerCall<T>(fast: T, sdk: unknown): T {
  if (fast instanceof Date && sdk instanceof Date) {
    expect(Math.abs(fast.getTime() - sdk.getTime())).toBeLessThanOrEqual(2000);
    return sdk as T;
  }
  if (typeof fast === 'string' && typeof sdk === 'string' && fast !== sdk) {
    return (fast.replace(HEX_ID, '<id>') === sdk.replace(HEX_ID, '<id>') ? sdk : fast) as T;
  }
  if (Array.isArray(fast) && Array.isArray(sdk)) {
    return fast.map((item: unknown, i) => alignPerCall(item, sdk[i])) as T;
  }
  if (typeof fast === 'object' && fast !== null && typeof sdk === 'object' && sdk !== null) {
    const other = sdk as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(fast).map(([key, value]) => [key, alignPerCall(value, other[key])]),
    ) as T;
  }
  return fast;
}

const sameIds = (fast: ConversationResponse, sdk: ConversationResponse) => alignPerCall(fast, sdk);
const sameEventIds = (fast: ConversationEvents[], sdk: ConversationEvents[]) =>
  alignPerCall(fast, sdk);

/** `beta.conversations.start` and `startStream`. */
const startEndpoint: WireEndpoint<
  ConversationRequest,
  ConversationStreamRequest,
  ConversationResponse,
  ConversationEvents
> = {
  body: conversationStartBody,
  complete: (client, request, options) => client.beta.conversations.start(request, options),
  stream: (client, request, options) => client.beta.conversations.startStream(request, options),
  sameIds,
  sameEventIds,
};

/** `beta.conversations.append` and `appendStream`. */
const appendEndpoint: WireEndpoint<
  AgentsApiV1ConversationsAppendRequest,
  AgentsApiV1ConversationsAppendStreamRequest,
  ConversationResponse,
  ConversationEvents
> = {
  body: (request, stream) => conversationAppend(request, stream),
  complete: (client, request, options) => client.beta.conversations.append(request, options),
  stream: (client, request, options) => client.beta.conversations.appendStream(request, options),
  sameIds,
  sameEventIds,
};

const start = compareWires(startEndpoint);
const append = compareWires(appendEndpoint);

const ask = (inputs: string, extra: Partial<ConversationRequest> = {}): ConversationRequest => ({
  model,
  inputs,
  ...extra,
});
const askStream = (
  inputs: string,
  extra: Partial<ConversationStreamRequest> = {},
): ConversationStreamRequest => ({ model, inputs, ...extra });

describe('beta.conversations on the fast wire, against the emulator', () => {
  let emulator: Emulator;
  let on: CreateClientOptions;
  let sdk: Mistral;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKey, scenarios });
    on = { serverURL: emulator.url, apiKey };
    sdk = createClient({ env: {}, ...on });
  });
  afterAll(async () => {
    await emulator.close();
  });

  /** An agent with web search, and a desk agent that hands off to it when named. */
  async function searchDesk(searcherName: string, deskName: string) {
    const searcher = await sdk.beta.agents.create({
      model,
      name: searcherName,
      tools: [{ type: 'web_search' }],
    });
    const desk = await sdk.beta.agents.create({
      model,
      name: deskName,
      handoffs: [searcher.id],
    });
    return { searcher, desk };
  }

  /** One stored conversation per wire, started alike through the SDK, for appends to compare. */
  async function conversations(request: ConversationRequest): Promise<Record<Wire, string>> {
    const [a, b] = await Promise.all([
      sdk.beta.conversations.start(request),
      sdk.beta.conversations.start(request),
    ]);
    return { sdk: a.conversationId, fast: b.conversationId };
  }

  describe('start and append', () => {
    it('returns the same text answer and usage, for string and entry inputs and instructions', async () => {
      const res = valueOf(await start.expectSame(on, ask('Tell me about the tides of Brittany')));
      expect(res.outputs[0]).toMatchObject({ type: 'message.output', role: 'assistant' });
      expect(res.outputs[0]?.createdAt).toBeInstanceOf(Date);
      expect(res.usage.totalTokens).toBeGreaterThan(0);
      valueOf(await start.expectSame(on, ask('Give me the scripted answer')));
      valueOf(
        await start.expectSame(on, {
          model,
          inputs: [{ type: 'message.input', role: 'user', content: 'Explain rivers' }],
          instructions: 'Be brief.',
          store: false,
          name: 'rivers',
          description: null,
          metadata: { team: 'core' },
          completionArgs: { maxTokens: 3, temperature: 0.2, topP: 0.9, randomSeed: 7 },
        }),
      );
    });

    it('returns the same JSON for a json_schema response format in completionArgs', async () => {
      const res = valueOf(
        await start.expectSame(
          on,
          ask('Give me a city', {
            completionArgs: {
              responseFormat: {
                type: 'json_schema',
                jsonSchema: { name: 'city', schemaDefinition: city, strict: true },
              },
            },
          }),
        ),
      );
      const output = res.outputs[0];
      expect(output?.type).toBe('message.output');
      expect(JSON.parse((output as { content: string }).content)).toHaveProperty('city');
    });

    it('returns the same function call, and the same parallel calls, then appends their results', async () => {
      const one = valueOf(
        await start.expectSame(
          on,
          ask('Use get_weather for "Paris"', { tools, completionArgs: { toolChoice: 'auto' } }),
        ),
      );
      expect(one.outputs.map((o) => o.type)).toStrictEqual(['function.call']);
      const request = ask('Use get_weather for "Paris" and get_time for "Europe/Paris"', {
        tools,
        store: true,
      });
      const two = valueOf(await start.expectSame(on, request));
      expect(two.outputs.map((o) => o.type)).toStrictEqual(['function.call', 'function.call']);
      // Each wire answers the calls of its own conversation, started alike.
      const ids = await conversations(request);
      const calls = Object.fromEntries(
        await Promise.all(
          (['sdk', 'fast'] as const).map(async (wire) => {
            const history = await sdk.beta.conversations.getHistory({
              conversationId: ids[wire],
            });
            const ids$ = history.entries.flatMap((e) =>
              e.type === 'function.call' ? [e.toolCallId] : [],
            );
            return [wire, ids$] as const;
          }),
        ),
      ) as Record<Wire, string[]>;
      expect(calls.sdk).toHaveLength(2);
      const res = valueOf(
        await append.expectSame(on, (wire) => ({
          conversationId: ids[wire],
          conversationAppendRequest: {
            inputs: calls[wire].map((toolCallId) => ({
              type: 'function.result' as const,
              toolCallId,
              result: '{"ok":true}',
            })),
            completionArgs: { toolChoice: 'none' },
          },
        })),
      );
      expect(res.outputs.at(-1)?.type).toBe('message.output');
    });

    it('appends to a stored conversation the same way, and refuses an unstored one the same way', async () => {
      const ids = await conversations(ask('Tell me about the sea', { store: true }));
      const res = valueOf(
        await append.expectSame(on, (wire) => ({
          conversationId: ids[wire],
          conversationAppendRequest: { inputs: 'And about rivers?', store: false },
        })),
      );
      expect(res.conversationId).toBe(ids.sdk);
      const unstored = await sdk.beta.conversations.start(ask('Forget me', { store: false }));
      const e404 = errorOf(
        await append.expectSame(on, {
          conversationId: unstored.conversationId,
          conversationAppendRequest: { inputs: 'Still there?' },
        }),
      );
      expect(e404).toMatchObject({ statusCode: 404 });
    });

    it('reads tool executions, handoffs and pending confirmations the same way, and appends a confirmation', async () => {
      const { searcher, desk } = await searchDesk('Searcher', 'Desk');
      const searched = valueOf(
        await start.expectSame(on, { agentId: searcher.id, inputs: 'Search the latest news' }),
      );
      expect(searched.outputs.map((o) => o.type)).toContain('tool.execution');
      const handedOff = valueOf(
        await start.expectSame(on, {
          agentId: desk.id,
          inputs: 'Ask the Searcher to search the web',
          handoffExecution: 'server',
        }),
      );
      expect(handedOff.outputs[0]?.type).toBe('agent.handoff');
      const careful = await sdk.beta.agents.create({
        model,
        name: 'Careful',
        tools: [
          { type: 'web_search', toolConfiguration: { requiresConfirmation: ['web_search'] } },
        ],
      });
      const request: ConversationRequest = {
        agentId: careful.id,
        agentVersion: 0,
        inputs: 'Search the web for tides',
        store: true,
      };
      const pending = valueOf(await start.expectSame(on, request));
      expect(pending.outputs[0]).toMatchObject({ confirmationStatus: 'pending' });
      const ids = await conversations(request);
      const callIds = {} as Record<Wire, string>;
      for (const wire of ['sdk', 'fast'] as const) {
        const history = await sdk.beta.conversations.getHistory({ conversationId: ids[wire] });
        const call = history.entries.find((e) => e.type === 'function.call');
        callIds[wire] = (call as { toolCallId: string }).toolCallId;
      }
      const confirmed = valueOf(
        await append.expectSame(on, (wire) => ({
          conversationId: ids[wire],
          conversationAppendRequest: {
            toolConfirmations: [{ toolCallId: callIds[wire], confirmation: 'allow' }],
          },
        })),
      );
      expect(confirmed.outputs.map((o) => o.type)).toContain('tool.execution');
    });

    it('goes through the SDK for what it does not handle, with the same outcome', async () => {
      const chunks: ConversationRequest = {
        model,
        inputs: [{ role: 'user', content: [{ type: 'text', text: 'Describe the moon' }] }],
      };
      expect(conversationStartBody(chunks)).toBeUndefined();
      valueOf(await start.expectSame(on, chunks, undefined, false));
      const untyped: ConversationRequest = { model, inputs: [{ role: 'user', content: 'hi' }] };
      expect(conversationStartBody(untyped)).toBeUndefined();
      valueOf(await start.expectSame(on, untyped, undefined, false));
      const builtIn = ask('Search the latest news', { tools: [{ type: 'web_search' }] });
      expect(conversationStartBody(builtIn)).toBeUndefined();
      valueOf(await start.expectSame(on, builtIn, undefined, false));
      const invalid = { model, inputs: 3 } as never;
      expect(conversationStartBody(invalid)).toBeUndefined();
      const error = errorOf(await start.expectSame(on, invalid, undefined, false));
      expect(error).toBeInstanceOf(sdkErrors.SDKValidationError);
      valueOf(await start.expectSame({ ...on, retry: true }, ask('hi')));
      valueOf(await start.expectSame(on, ask('hi'), () => ({ retries: { strategy: 'none' } })));
    });
  });

  describe('start, faults', () => {
    describeCallFaults({
      endpoint: startEndpoint,
      path: () => '/v1/conversations',
      emulator: () => emulator,
      on: () => on,
      ask,
      invalid: (content) => ask(content, { completionArgs: { presencePenalty: 9 } }),
    });
  });

  describe('append, faults', () => {
    let stored: string;
    beforeAll(async () => {
      stored = (await sdk.beta.conversations.start(ask('Tell me about the sea', { store: true })))
        .conversationId;
    });
    const appending = (inputs: string, completionArgs = {}) => ({
      conversationId: stored,
      conversationAppendRequest: { inputs, completionArgs },
    });
    describeCallFaults({
      endpoint: appendEndpoint,
      path: () => `/v1/conversations/${stored}`,
      emulator: () => emulator,
      on: () => on,
      ask: (content) => appending(content),
      invalid: (content) => appending(content, { presencePenalty: 9 }),
    });
  });

  describe('startStream and appendStream', () => {
    it('gives the same events for text and usage, started and appended', async () => {
      const text = await start.expectSameStream(on, askStream('Tell me about the tides'));
      expect(text.error).toBeUndefined();
      expect(text.events[0]?.event).toBe('conversation.response.started');
      expect(text.events.at(-1)?.data).toMatchObject({ type: 'conversation.response.done' });
      expect(text.events.some((e) => e.event === 'message.output.delta')).toBe(true);
      const ids = await conversations(ask('Tell me about the sea', { store: true }));
      const appended = await append.expectSameStream(on, (wire) => ({
        conversationId: ids[wire],
        conversationAppendStreamRequest: {
          inputs: [{ type: 'message.input', role: 'user', content: 'And rivers?' }],
          completionArgs: { maxTokens: 4 },
        },
      }));
      expect(appended.error).toBeUndefined();
      expect(appended.events.length).toBeGreaterThan(2);
    });

    it('gives the same function call, tool execution and handoff events', async () => {
      const calls = await start.expectSameStream(
        on,
        askStream('Use get_weather for "Paris" and get_time for "Europe/Paris"', { tools }),
      );
      expect(calls.events.filter((e) => e.event === 'function.call.delta')).toHaveLength(2);
      const { desk } = await searchDesk('Finder', 'Front');
      const res = await start.expectSameStream(on, {
        agentId: desk.id,
        inputs: 'Ask the Finder to search the web',
      });
      const names = res.events.map((e) => e.event);
      expect(names).toContain('agent.handoff.started');
      expect(names).toContain('tool.execution.done');
    });

    it('throws the same errors when opening: 401, 404, 422, 429, 500', async () => {
      const e401 = await start.expectSameStream({ ...on, apiKey: 'wrong-key' }, askStream('hi'));
      expect(e401.error).toBeInstanceOf(sdkErrors.SDKError);
      const e404 = await append.expectSameStream(on, {
        conversationId: 'conv_missing',
        conversationAppendStreamRequest: { inputs: 'hi' },
      });
      expect(e404.error).toMatchObject({ statusCode: 404 });
      const e422 = await start.expectSameStream(on, askStream('fastapi detail'));
      expect(e422.error).toBeInstanceOf(sdkErrors.HTTPValidationError);
      for (const fault of ['429:3', '500']) {
        const res = await start.expectSameStream(on, askStream('hi'), () => ({
          headers: { 'x-emulator-fault': fault },
        }));
        expect(res.error).toBeInstanceOf(sdkErrors.SDKError);
      }
    });

    it('fails the same way when the connection drops mid-answer or the server reports an error', async () => {
      const dropped = await start.expectSameStream(on, askStream('Tell me a long story'), () => ({
        headers: { 'x-emulator-fault': 'drop-after:3' },
      }));
      expect(dropped.events.filter((e) => e.event === 'message.output.delta')).toHaveLength(3);
      expect(dropped.error).toBeDefined();
      const cut = await start.expectSameStream(on, askStream('cut me'));
      expect(cut.events.at(-1)?.data).toMatchObject({ type: 'conversation.response.error' });
    });

    it('times out and aborts the same way', async () => {
      await expectSameTimeoutAndAbort(start.expectSameStream, on, askStream('hi'), {
        ask: () => Promise.resolve(askStream('Tell me a long story')),
        // `conversation.response.started` and two deltas.
        abortAfter: 3,
      });
    });
  });
});

describe('beta.conversations on the fast wire, against exact answers', () => {
  const servers = testServers(apiKey);
  const { answering } = servers;
  const at = '2026-01-02T03:04:05.678Z';

  const response = (outputs: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      object: 'conversation.response',
      conversation_id: 'conv_1',
      outputs,
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      ...extra,
    });
  const message = (extra: Record<string, unknown> = {}) => ({
    object: 'entry',
    type: 'message.output',
    created_at: at,
    completed_at: at,
    id: 'msg_1',
    agent_id: null,
    model,
    role: 'assistant',
    content: 'ok',
    ...extra,
  });

  it('sends the same bytes and headers as the SDK, for start and append, streamed or not', async () => {
    const bodies: string[] = [];
    const server = await servers.start((req, res, body) => {
      bodies.push(body);
      if (req.headers.accept === 'text/event-stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          'event: conversation.response.started\ndata: {"type":"conversation.response.started","conversation_id":"c"}\n\n',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(response([message()]));
    });
    const on = { serverURL: `${server.url}/prefix`, apiKey };
    const startRequest: ConversationRequest = {
      inputs: [
        { type: 'message.input', role: 'user', content: 'hi' },
        { type: 'message.input', role: 'assistant', content: 'so', prefix: true, id: 'm' },
        { object: 'entry', type: 'function.result', toolCallId: 'call_1', result: '{}' },
      ],
      store: null,
      handoffExecution: 'client',
      instructions: 'Be brief.',
      tools,
      completionArgs: {
        stop: ['END'],
        presencePenalty: 0.1,
        frequencyPenalty: null,
        temperature: 0.3,
        topP: 1,
        maxTokens: 20,
        randomSeed: 1,
        responseFormat: {
          type: 'json_schema',
          jsonSchema: { name: 'x', description: null, schemaDefinition: { type: 'object' } },
        },
        toolChoice: 'any',
        reasoningEffort: 'high',
      },
      name: 'n',
      description: 'd',
      metadata: { a: 1 },
      agentVersion: 'latest',
      model,
    };
    valueOf(await start.expectSame(on, startRequest));
    await start.expectSameStream(on, startRequest as ConversationStreamRequest);
    const appendBody = {
      inputs: 'next',
      handoffExecution: 'client' as const,
      completionArgs: { stop: 'END' },
      toolConfirmations: [{ toolCallId: 'call_1', confirmation: 'deny' as const }],
    };
    valueOf(
      await append.expectSame(on, {
        conversationId: 'conv/1 é',
        conversationAppendRequest: appendBody,
      }),
    );
    await append.expectSameStream(on, {
      conversationId: 'conv_2',
      conversationAppendStreamRequest: { store: false },
    });
    expect(bodies).toHaveLength(8);
    for (let i = 0; i < 8; i += 2) expect(bodies[i + 1]).toBe(bodies[i]);
    expect(JSON.parse(bodies[6] ?? '')).toStrictEqual({
      stream: true,
      store: false,
      handoff_execution: 'server',
    });
    const requests = servers.requests;
    for (let i = 0; i < 8; i += 2) {
      expect(requests[i + 1]?.url).toBe(requests[i]?.url);
      expect(requests[i + 1]?.headers).toStrictEqual(requests[i]?.headers);
    }
    expect(requests.map((r) => r.url)).toStrictEqual([
      ...Array<string>(4).fill('/prefix/v1/conversations'),
      ...Array<string>(2).fill('/prefix/v1/conversations/conv%2F1%20%C3%A9'),
      ...Array<string>(2).fill('/prefix/v1/conversations/conv_2'),
    ]);
    expect(requests[1]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    const fastClient = createClient({ env: {}, ...on, wire: 'fast' });
    for (const method of ['start', 'startStream', 'append', 'appendStream']) {
      expect(Object.hasOwn(fastClient.beta.conversations, method)).toBe(true);
    }
    expect(Object.hasOwn(createClient({ env: {}, ...on }).beta.conversations, 'start')).toBe(false);
  });

  it('reads defaults, nulls, unknown keys, chunks, connectors and odd dates the same way', async () => {
    const bodies = [
      response(
        [
          { type: 'message.output', content: 'bare', extra: 1 },
          {
            type: 'function.call',
            tool_call_id: 'call_1',
            name: 'f',
            arguments: '{}',
            confirmation_status: null,
            agent_id: 'ag_1',
            model: null,
          },
        ],
        { unknown_top_level: 1, usage: { total_tokens: 2, connector_tokens: null } },
      ),
      response([message({ content: [{ type: 'text', text: 'chunked' }] })], {
        guardrails: [{ name: 'g' }],
        usage: { connectors: { c: 1 } },
      }),
      response([
        message({ created_at: '2026-01-02T03:04:05+02:00', completed_at: null }),
        { type: 'function.call', tool_call_id: 'c', name: 'f', arguments: { a: 1 } },
        {
          type: 'function.call',
          tool_call_id: 'c',
          name: 'f',
          arguments: '',
          confirmation_status: 'later',
        },
      ]),
      response([{ role: 'assistant', content: 'no type' }]),
    ];
    for (const body of bodies) {
      valueOf(await start.expectSame(await answering(200, body), ask('hi')));
      await servers.close();
    }
  });

  it('throws the same ResponseValidationError for a body the SDK refuses', async () => {
    const bad = [
      response([message({ created_at: '2026-02-30T00:00:00Z' })]),
      response([message({ created_at: '2026-01-02T24:00:00Z' })]),
      response([message({ role: 'user' })]),
      response([message({ content: 3 })]),
      response([{ type: 'function.call', name: 'f', arguments: '{}' }]),
      response([], { usage: { prompt_tokens: 1.5 } }),
      response([], { object: 'other' }),
      JSON.stringify({ conversation_id: 'c', outputs: [] }),
      '[]',
    ];
    for (const body of bad) {
      const error = errorOf(await start.expectSame(await answering(200, body), ask('hi')));
      expect(error).toBeInstanceOf(sdkErrors.ResponseValidationError);
      await servers.close();
    }
  });

  it('throws the same ConnectionError for a connection dropped before any byte', async () => {
    // The emulator drops only streamed conversations: this server drops every request.
    const server = await servers.start((_req, res) => res.destroy());
    const on = { serverURL: server.url, apiKey };
    const error = errorOf(await start.expectSame(on, ask('hi')));
    expect(error).toBeInstanceOf(sdkErrors.ConnectionError);
    const stream = await start.expectSameStream(on, askStream('hi'));
    expect(stream.error).toBeInstanceOf(sdkErrors.ConnectionError);
    expect(server.requests).toHaveLength(4);
  });

  it('throws the same error for malformed JSON, on a 200 and on a 422', async () => {
    const ok = errorOf(await start.expectSame(await answering(200, '{"conv'), ask('hi')));
    expect(ok).toBeInstanceOf(SyntaxError);
    await servers.close();
    const invalid = errorOf(await start.expectSame(await answering(422, 'not json'), ask('hi')));
    expect(invalid).toBeInstanceOf(SyntaxError);
  });

  it('throws the same SDKError for an unexpected status or content type', async () => {
    const text = errorOf(
      await start.expectSame(await answering(200, 'hello', 'text/plain'), ask('hi')),
    );
    expect(text).toBeInstanceOf(sdkErrors.SDKError);
    expect((text as Error).message).toMatch(/^Unexpected Status or Content-Type/);
    await servers.close();
    const created = errorOf(await start.expectSame(await answering(201, response([])), ask('hi')));
    expect(created).toMatchObject({ statusCode: 201 });
    await servers.close();
    const html = errorOf(
      await start.expectSame(
        await answering(502, '<html>bad gateway</html>', 'text/html'),
        ask('hi'),
      ),
    );
    expect(html).toMatchObject({ statusCode: 502, body: '<html>bad gateway</html>' });
    await servers.close();
    const notStream = await start.expectSameStream(
      await answering(200, response([])),
      askStream('hi'),
    );
    expect(notStream.error).toBeInstanceOf(sdkErrors.SDKError);
  });

  it('gives the same events for unusual shapes, and fails on the same malformed event', async () => {
    const frame = (event: string | undefined, data: unknown) =>
      `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    const started = { type: 'conversation.response.started', created_at: at, conversation_id: 'c' };
    const delta = (extra: Record<string, unknown>) => ({
      type: 'message.output.delta',
      id: 'msg_1',
      content: 'a',
      ...extra,
    });
    const server = await servers.start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        [
          frame('conversation.response.started', started),
          frame('message.output.delta', delta({ created_at: at, model: null, extra: 1 })),
          frame('message.output.delta', delta({ content: { type: 'text', text: 'chunk' } })),
          frame('message.output.delta', delta({ role: 'user' })),
          frame('message.output.delta', { type: 'no.such.type' }),
          frame('something.new', started),
          frame('function.call.delta', {
            type: 'function.call.delta',
            id: 'fc',
            name: 'f',
            tool_call_id: 'call',
            arguments: '{"a"',
            confirmation_status: 'pending',
          }),
          frame('conversation.response.error', {
            type: 'conversation.response.error',
            message: 'boom',
            code: 500,
          }),
          frame('conversation.response.done', {
            type: 'conversation.response.done',
            created_at: '2026-01-02T03:04:05+01:00',
            usage: {},
          }),
          frame(undefined, started),
        ].join(''),
      );
    });
    const res = await start.expectSameStream({ serverURL: server.url, apiKey }, askStream('hi'));
    expect(res.events).toHaveLength(9);
    expect(res.error).toBeDefined();
    for (const bad of ['{"type": ', '[DONE]']) {
      const answering = await servers.start((_req, reply) => {
        reply.writeHead(200, { 'content-type': 'text/event-stream' });
        reply.end(
          frame('conversation.response.started', started) + frame('message.output.delta', bad),
        );
      });
      const broken = await start.expectSameStream(
        { serverURL: answering.url, apiKey },
        askStream('hi'),
      );
      expect(broken.events).toHaveLength(1);
      expect((broken.error as Error).name).toBe('ZodError');
    }
  });
});
