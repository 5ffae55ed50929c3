import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EventBus,
  agentStream,
  chatStream,
  conversationStream,
  StreamError,
  toBus,
  toCompletion,
  type StreamEvent,
} from '../src/index.js';
import { createClient, type ChatEvents } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { testWire, waitFor } from '@mistral-flows/testing';
import type { Mistral } from '@mistralai/mistralai';
import { firstValueFrom, lastValueFrom, type Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const model = 'mistral-small-latest';
const ask = (content: string) => ({ model, messages: [{ role: 'user' as const, content }] });
const fastRetry = { initialDelayMs: 1, maxDelayMs: 5 };

let emulator: Emulator;
let client: Mistral;
beforeEach(async () => {
  emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
  client = createClient({ serverURL: emulator.url, wire: testWire() });
});
afterEach(async () => {
  await emulator.close();
});

/** Collects every event, and the error if the stream fails. */
function collect(
  stream$: Observable<StreamEvent>,
): Promise<{ events: StreamEvent[]; error?: unknown }> {
  return new Promise((resolve) => {
    const events: StreamEvent[] = [];
    stream$.subscribe({
      next: (e) => events.push(e),
      error: (error: unknown) => resolve({ events, error }),
      complete: () => resolve({ events }),
    });
  });
}

const texts = (events: StreamEvent[]) =>
  events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : []));

describe('chatStream', () => {
  it('emits response-start, the deltas and response-end with the whole text and the usage the API reported', async () => {
    const { events, error } = await collect(
      chatStream(client, ask('Explain how a token bucket limits requests.')),
    );
    expect(error).toBeUndefined();
    expect(events[0]).toMatchObject({ type: 'response-start', model, attempt: 1 });
    expect(events.at(-1)?.type).toBe('response-end');
    const deltas = texts(events);
    expect(deltas.length).toBeGreaterThan(3);
    expect(
      events.filter((e) => e.type === 'text-delta').map((e) => (e as { index: number }).index),
    ).toEqual(deltas.map((_, i) => i));
    const end = events.at(-1) as Extract<StreamEvent, { type: 'response-end' }>;
    expect(end.text).toBe(deltas.join(''));
    expect(end.finishReason).toBe('stop');
    // The scripted model is deterministic: the non-streamed answer to the same request carries the
    // usage the server computed, which the stream must report unchanged (never an estimate).
    const reference = await client.chat.complete(
      ask('Explain how a token bucket limits requests.'),
    );
    expect(reference.choices[0]?.message?.content).toBe(end.text);
    expect(end.usage).toEqual({
      promptTokens: reference.usage.promptTokens,
      completionTokens: reference.usage.completionTokens,
      totalTokens: reference.usage.totalTokens,
    });
    expect(end.usage!.completionTokens).toBeGreaterThan(0);
  });

  it('aborts the HTTP request when unsubscribed mid-stream (the emulator sees the abort)', async () => {
    await emulator.close();
    emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 20 } });
    client = createClient({ serverURL: emulator.url, wire: testWire() });
    let deltas = 0;
    await new Promise<void>((resolve, reject) => {
      const subscription = chatStream(
        client,
        ask('Write a long story about rivers and mountains.'),
      ).subscribe({
        next: (e) => {
          if (e.type === 'text-delta' && ++deltas === 2) {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    await waitFor(() => emulator.stats().abortedStreams === 1, {
      what: 'the emulator to count the aborted stream',
    });
    expect(emulator.stats().openStreams).toBe(0);
    expect(emulator.stats().completedStreams).toBe(0);
  });

  it('stops without an error when the caller aborts its signal', async () => {
    await emulator.close();
    emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 20 } });
    client = createClient({ serverURL: emulator.url, wire: testWire() });
    const controller = new AbortController();
    const outcome = await new Promise<string>((resolve) => {
      chatStream(client, ask('Describe the ocean in detail.'), {
        signal: controller.signal,
      }).subscribe({
        next: (e) => {
          if (e.type === 'text-delta') controller.abort();
        },
        error: () => resolve('error'),
        complete: () => resolve('complete'),
      });
    });
    expect(outcome).toBe('complete');
    await waitFor(() => emulator.stats().abortedStreams === 1, { what: 'the aborted stream' });
  });

  it('retries a 429 before the first chunk, honouring Retry-After, and succeeds', async () => {
    const retries: number[] = [];
    const completion = await lastValueFrom(
      chatStream(client, ask('Say hello.'), {
        headers: {
          'x-emulator-fault': '429:0',
          'x-emulator-fault-times': '1',
          'x-emulator-request-key': 'retry-429',
        },
        retry: { ...fastRetry, onRetry: (info) => retries.push(info.classification.status ?? 0) },
      }).pipe(toCompletion()),
    );
    expect(completion.text.length).toBeGreaterThan(0);
    expect(retries).toEqual([429]);
    expect(emulator.stats().faultsInjected['429']).toBe(1);
    expect(emulator.stats().requests['POST /v1/chat/completions']).toBe(2);
  });

  it('fails with a typed StreamError when retries are off', async () => {
    const { events, error } = await collect(
      chatStream(client, ask('Say hello.'), {
        headers: { 'x-emulator-fault': '503' },
        retry: false,
      }),
    );
    expect(events).toEqual([]);
    expect(StreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'server',
      status: 503,
      phase: 'before-first-delta',
      partialText: '',
    });
  });

  it("ends in a StreamError with exactly 5 deltas of partial text on drop-after:5 under onInterrupt: 'error'", async () => {
    const { events, error } = await collect(
      chatStream(client, ask('Explain photosynthesis step by step.'), {
        headers: { 'x-emulator-fault': 'drop-after:5' },
        retry: fastRetry,
      }),
    );
    const deltas = texts(events);
    expect(deltas).toHaveLength(5);
    expect(StreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'network',
      phase: 'after-first-delta',
      partialText: deltas.join(''),
    });
    expect(events.some((e) => e.type === 'response-end')).toBe(false);
  });

  it("restarts on drop-after:5 under onInterrupt: 'restart' and then completes in full", async () => {
    const request = ask('Explain photosynthesis step by step.');
    const { events, error } = await collect(
      chatStream(client, request, {
        headers: {
          'x-emulator-fault': 'drop-after:5',
          'x-emulator-fault-times': '1',
          'x-emulator-request-key': 'drop-restart',
        },
        onInterrupt: 'restart',
        retry: fastRetry,
      }),
    );
    expect(error).toBeUndefined();
    const restartAt = events.findIndex((e) => e.type === 'restart');
    expect(restartAt).toBeGreaterThan(0);
    expect(texts(events.slice(0, restartAt))).toHaveLength(5);
    expect(events[restartAt]).toMatchObject({ type: 'restart', attempt: 2, reason: 'network' });
    expect(events[restartAt + 1]).toMatchObject({ type: 'response-start', attempt: 2 });
    const end = events.at(-1) as Extract<StreamEvent, { type: 'response-end' }>;
    expect(end.type).toBe('response-end');
    expect(texts(events.slice(restartAt)).join('')).toBe(end.text);
    const reference = await client.chat.complete(request);
    expect(end.text).toBe(reference.choices[0]?.message?.content);
  });

  it('emits tool calls as tool-call events with parsed arguments', async () => {
    const { events } = await collect(
      chatStream(client, {
        model,
        messages: [{ role: 'user', content: 'Use get_weather for the city "Paris".' }],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Get the weather for a city',
              parameters: {
                type: 'object',
                properties: { city: { type: 'string' } },
                required: ['city'],
              },
            },
          },
        ],
      }),
    );
    const calls = events.filter((e) => e.type === 'tool-call');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } });
    expect(typeof (calls[0] as { id: string }).id).toBe('string');
    const end = events.at(-1) as Extract<StreamEvent, { type: 'response-end' }>;
    expect(end).toMatchObject({ type: 'response-end', finishReason: 'tool_calls' });
    expect(end.toolCalls).toEqual([
      expect.objectContaining({ name: 'get_weather', arguments: { city: 'Paris' } }),
    ]);
    expect(emulator.stats().toolCalls).toBe(1);
  });

  it('is cold: nothing is sent before a subscription, and each subscription is one request', async () => {
    const stream$ = chatStream(client, ask('Hello?'));
    await new Promise((r) => setTimeout(r, 20));
    expect(emulator.stats().requests['POST /v1/chat/completions'] ?? 0).toBe(0);
    await lastValueFrom(stream$);
    await lastValueFrom(stream$);
    expect(emulator.stats().requests['POST /v1/chat/completions']).toBe(2);
  });
});

describe('agentStream', () => {
  it('streams an agent completion with the same events', async () => {
    const agent = await client.beta.agents.create({
      model,
      name: 'Summarizer',
      instructions: 'Summarize briefly.',
    });
    const completion = await firstValueFrom(
      agentStream(client, {
        agentId: agent.id,
        messages: [{ role: 'user', content: 'Summarize the water cycle.' }],
      }).pipe(toCompletion()),
    );
    expect(completion.text.length).toBeGreaterThan(0);
    expect(completion.usage?.totalTokens).toBeGreaterThan(0);
    expect(emulator.stats().requests['POST /v1/agents/completions']).toBe(1);
  });
});

describe('conversationStream', () => {
  it('starts and appends to a conversation, with the conversation id on start and end', async () => {
    const first = await collect(
      conversationStream(client, { model, inputs: 'Tell me about the moon.' }),
    );
    expect(first.error).toBeUndefined();
    const start = first.events[0] as Extract<StreamEvent, { type: 'response-start' }>;
    expect(start.type).toBe('response-start');
    expect(start.conversationId).toMatch(/^conv_/);
    const end = first.events.at(-1) as Extract<StreamEvent, { type: 'response-end' }>;
    expect(end).toMatchObject({
      type: 'response-end',
      conversationId: start.conversationId,
      finishReason: 'stop',
    });
    expect(end.text).toBe(texts(first.events).join(''));
    expect(end.usage?.totalTokens).toBeGreaterThan(0);

    const next = await lastValueFrom(
      conversationStream(client, {
        action: 'append',
        conversationId: start.conversationId!,
        inputs: 'And the sun?',
      }).pipe(toCompletion()),
    );
    expect(next.conversationId).toBe(start.conversationId);
    const history = await client.beta.conversations.getHistory({
      conversationId: start.conversationId!,
    });
    expect(history.entries.length).toBe(4);
  });

  it('marks a platform call that waits for confirmation, and names the agent after a server handoff', async () => {
    const cautious = await client.beta.agents.create({
      model,
      name: 'Cautious',
      tools: [{ type: 'web_search', toolConfiguration: { requiresConfirmation: ['web_search'] } }],
    });
    const pending = await collect(
      conversationStream(client, { agentId: cautious.id, inputs: 'Search the web for comets' }),
    );
    const call = pending.events.find((e) => e.type === 'tool-call');
    expect(call).toMatchObject({ name: 'web_search', confirmation: 'pending' });

    const billing = await client.beta.agents.create({ model, name: 'Billing' });
    const triage = await client.beta.agents.create({
      model,
      name: 'Triage',
      handoffs: [billing.id],
    });
    const handed = await collect(
      conversationStream(client, { agentId: triage.id, inputs: 'Billing, please help' }),
    );
    const end = handed.events.at(-1) as Extract<StreamEvent, { type: 'response-end' }>;
    expect(end.agent).toEqual({ agentId: billing.id, agentName: 'Billing' });
    expect(end.handoffs).toEqual([{ from: 'Triage', to: 'Billing', toAgentId: billing.id }]);
    expect(end.toolCalls.every((c) => c.confirmation === undefined)).toBe(true);
  });

  it('maps function calls to tool-call events', async () => {
    const completion = await lastValueFrom(
      conversationStream(client, {
        model,
        inputs: 'Call lookup_order for order "A-17".',
        tools: [
          {
            type: 'function',
            function: {
              name: 'lookup_order',
              description: 'Look up an order',
              parameters: {
                type: 'object',
                properties: { orderId: { type: 'string' } },
                required: ['orderId'],
              },
            },
          },
        ],
      }).pipe(toCompletion()),
    );
    expect(completion.finishReason).toBe('tool_calls');
    expect(completion.toolCalls).toEqual([
      expect.objectContaining({ name: 'lookup_order', arguments: { orderId: 'A-17' } }),
    ]);
  });

  it("refuses onInterrupt: 'restart', which would store the input twice", () => {
    expect(() =>
      conversationStream(client, { model, inputs: 'x' }, { onInterrupt: 'restart' }),
    ).toThrow(/restart/);
  });
});

describe('toBus', () => {
  it("publishes the seed's chat:start, chat:chunk, chat:complete with real usage, and chat:error", async () => {
    const bus = new EventBus<ChatEvents>();
    const seen: string[] = [];
    let chunks = '';
    let completeUsage: unknown;
    bus.events$.subscribe((e) => seen.push(e.type));
    bus.on('chat:chunk', ({ content, index }) => {
      expect(index).toBe(chunks.length === 0 ? 0 : index);
      chunks += content;
    });
    bus.on('chat:complete', ({ usage, content }) => {
      completeUsage = usage;
      expect(content).toBe(chunks);
    });
    await lastValueFrom(toBus(chatStream(client, ask('Hello there.')), bus, 'req-1'));
    expect(seen[0]).toBe('chat:start');
    expect(seen.at(-1)).toBe('chat:complete');
    expect(seen.filter((t) => t === 'chat:chunk').length).toBeGreaterThan(1);
    expect(completeUsage).toMatchObject({ totalTokens: expect.any(Number) });

    let failure: ChatEvents['chat:error'] | undefined;
    bus.on('chat:error', (e) => (failure = e));
    await lastValueFrom(
      toBus(
        chatStream(client, ask('Hello there.'), {
          headers: { 'x-emulator-fault': 'drop-after:2' },
          retry: false,
        }),
        bus,
        'req-2',
      ),
    ).catch(() => undefined);
    expect(failure?.requestId).toBe('req-2');
    expect(failure?.partialText.length).toBeGreaterThan(0);
    expect(StreamError.isInstance(failure?.error)).toBe(true);
  });
});

describe('streams from a server that misbehaves', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  });

  async function serve(body: string): Promise<string> {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('gives a StreamError naming a malformed chat frame', async () => {
    const good = JSON.stringify({
      id: 'c1',
      model,
      choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
    });
    const url = await serve(`data: ${good}\n\ndata: {"id": "c1", "choices": [oops\n\n`);
    const { events, error } = await collect(
      chatStream(createClient({ serverURL: url, wire: testWire() }), ask('x'), { retry: false }),
    );
    expect(texts(events)).toEqual(['Hi']);
    expect(StreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'response_invalid', partialText: 'Hi' });
    expect((error as StreamError).frame).toContain('[oops');
  });

  it('passes an unknown conversation event through as an unknown event', async () => {
    const url = await serve(
      [
        'event: conversation.response.started\ndata: {"type":"conversation.response.started","conversation_id":"conv_1"}\n\n',
        'event: message.output.delta\ndata: {"type":"message.output.delta","id":"msg_1","content":"Hi","role":"assistant"}\n\n',
        'event: reasoning.summary.delta\ndata: {"type":"reasoning.summary.delta","text":"thinking"}\n\n',
        'event: conversation.response.done\ndata: {"type":"conversation.response.done","usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n',
      ].join(''),
    );
    const { events, error } = await collect(
      conversationStream(createClient({ serverURL: url, wire: testWire() }), {
        model,
        inputs: 'x',
      }),
    );
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'response-start',
      'text-delta',
      'unknown',
      'response-end',
    ]);
    expect(events[2]).toMatchObject({
      type: 'unknown',
      event: 'reasoning.summary.delta',
      raw: { text: 'thinking' },
    });
  });

  it('reports a stream that ends without finishing as interrupted, not as a success', async () => {
    const chunk = JSON.stringify({
      id: 'c1',
      model,
      choices: [{ index: 0, delta: { content: 'Half' }, finish_reason: null }],
    });
    const url = await serve(`data: ${chunk}\n\n`);
    const { error } = await collect(
      chatStream(createClient({ serverURL: url, wire: testWire() }), ask('x'), { retry: false }),
    );
    expect(error).toMatchObject({
      code: 'network',
      partialText: 'Half',
      phase: 'after-first-delta',
    });
  });
});

describe('stream timeouts', () => {
  const never = { 'x-emulator-fault': 'timeout' };

  it("fails a request that never answers after the client's timeoutMs, though it carries a signal", async () => {
    const slowClient = createClient({ serverURL: emulator.url, timeoutMs: 200, wire: testWire() });
    for (const stream$ of [
      chatStream(slowClient, ask('Hello?'), { headers: never, retry: false }),
      agentStream(
        slowClient,
        { agentId: 'ag_timeout', messages: [{ role: 'user', content: 'Hello?' }] },
        { headers: never, retry: false, signal: new AbortController().signal },
      ),
      conversationStream(slowClient, { model, inputs: 'Hello?' }, { headers: never, retry: false }),
    ]) {
      const { events, error } = await collect(stream$);
      expect(events).toEqual([]);
      expect(StreamError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        code: 'timeout',
        retryable: true,
        phase: 'before-first-delta',
      });
    }
  });

  it('takes timeoutMs from the options over the client, and rejects one that is not positive', async () => {
    const { error } = await collect(
      chatStream(client, ask('Hello?'), { headers: never, retry: false, timeoutMs: 150 }),
    );
    expect(error).toMatchObject({ code: 'timeout' });
    expect(() => chatStream(client, ask('Hello?'), { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});

describe('stream errors', () => {
  it('name the request and the system error when the server cannot be reached', async () => {
    const closed = await startEmulator();
    const url = closed.url;
    await closed.close();
    const { error } = await collect(
      chatStream(createClient({ serverURL: url, wire: testWire() }), ask('Hello?'), {
        retry: false,
      }),
    );
    expect(StreamError.isInstance(error)).toBe(true);
    const port = new URL(url).port;
    expect((error as Error).message).toBe(
      `Stream failed (network): POST ${url}/v1/chat/completions: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
