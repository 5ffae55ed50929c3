import { createClient, MemoryStore, type ChatEvents } from '@mistral-flows/core';
import { createConversation, defineTool } from '@mistral-flows/agents';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { EventBus, chatStream, toBus } from '@mistral-flows/stream';
import { SpanStatusCode } from '@opentelemetry/api';
import { lastValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTelemetry } from '../src/index.js';
import { idOf, otelHarness, parentOf } from './support.js';

let emulator: Emulator;
let client: ReturnType<typeof createClient>;
let otel: ReturnType<typeof otelHarness>;
beforeEach(async () => {
  emulator = await startEmulator({ latency: { ttftMs: 5, tokenMs: 0 } });
  client = createClient({ serverURL: emulator.url });
  otel = otelHarness();
});
afterEach(async () => {
  await emulator.close();
  await otel.close();
});

describe('createTelemetry', () => {
  it('traces a streamed chat published on the bus as one chat span with usage, finish reason and time to first chunk, and records the metrics', async () => {
    const telemetry = createTelemetry(otel);
    const bus = new EventBus<ChatEvents>();
    const stop = telemetry.observe(bus);
    const model = 'mistral-small-latest';
    await lastValueFrom(
      toBus(
        chatStream(client, { model, messages: [{ role: 'user', content: 'Explain backoff.' }] }),
        bus,
        'req-1',
      ),
    );
    stop();
    const spans = otel.finished();
    expect(spans.map((s) => s.name)).toEqual([`chat ${model}`]);
    const [chat] = spans;
    expect(chat!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mistral_ai',
      'gen_ai.request.model': model,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(chat!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(chat!.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(chat!.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect(chat!.attributes['gen_ai.output.messages']).toBeUndefined();

    const tokens = await otel.metric('gen_ai.client.token.usage');
    expect(tokens.map((p) => p.attributes['gen_ai.token.type']).sort()).toEqual([
      'input',
      'output',
    ]);
    const input = tokens.find((p) => p.attributes['gen_ai.token.type'] === 'input');
    expect(input?.value.sum).toBe(chat!.attributes['gen_ai.usage.input_tokens']);
    expect((await otel.metric('gen_ai.client.operation.duration'))[0]?.value.count).toBe(1);
    expect((await otel.metric('gen_ai.client.operation.time_to_first_chunk'))[0]?.value.count).toBe(
      1,
    );
  });

  it('traces a turn with two tool calls: invoke_agent with chat and execute_tool children', async () => {
    const telemetry = createTelemetry({ ...otel, captureContent: true });
    const weather = defineTool({
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: z.object({ city: z.string() }),
      execute: ({ city }) => `sunny in ${city}`,
    });
    const time = defineTool({
      name: 'get_time',
      description: 'Local time in a city',
      parameters: z.object({ city: z.string() }),
      execute: () => '12:00',
    });
    const model = 'mistral-large-latest';
    const chat = createConversation({
      client,
      model,
      tools: [weather, time],
      store: new MemoryStore(),
      inspect: telemetry.inspect,
      id: 'conv-otel-1',
    });
    try {
      const turn = await chat.send('Call get_weather and get_time for "Paris".');
      expect(turn.toolResults).toHaveLength(2);
    } finally {
      await chat.close();
    }
    const spans = otel.finished();
    const turnSpan = spans.find((s) => s.name === `invoke_agent ${model}`)!;
    expect(turnSpan).toBeDefined();
    expect(turnSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.conversation.id': 'conv-otel-1',
      'gen_ai.agent.name': model,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    const chats = spans.filter((s) => s.name === `chat ${model}`);
    expect(chats).toHaveLength(2);
    const tools = spans.filter((s) => s.name.startsWith('execute_tool '));
    expect(tools.map((s) => s.name).sort()).toEqual([
      'execute_tool get_time',
      'execute_tool get_weather',
    ]);
    for (const child of [...chats, ...tools]) {
      expect(parentOf(child)).toBe(idOf(turnSpan));
      expect(child.spanContext().traceId).toBe(turnSpan.spanContext().traceId);
    }
    expect(chats[0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(chats[1]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    for (const tool of tools) {
      expect(tool.attributes['gen_ai.tool.call.id']).toEqual(expect.any(String));
      expect(tool.attributes['gen_ai.tool.call.arguments']).toContain('Paris');
    }
    // Tools run between the two model calls.
    const end = (s: (typeof spans)[number]) => s.endTime[0] * 1e9 + s.endTime[1];
    const start = (s: (typeof spans)[number]) => s.startTime[0] * 1e9 + s.startTime[1];
    for (const tool of tools) {
      expect(start(tool)).toBeGreaterThanOrEqual(end(chats[0]!));
      expect(end(tool)).toBeLessThanOrEqual(start(chats[1]!));
    }
    const usage = turnSpan.attributes['gen_ai.usage.input_tokens'] as number;
    expect(usage).toBe(
      chats.reduce((n, c) => n + (c.attributes['gen_ai.usage.input_tokens'] as number), 0),
    );
    expect(chats[0]!.attributes['gen_ai.input.messages']).toContain('get_weather and get_time');
  });

  it('marks a failed model call and its turn with error.type, and counts the failed call in the duration metric', async () => {
    const failing = await startEmulator({
      scenarios: [
        { match: { lastUserMessage: 'fail please' }, error: { status: 400, message: 'bad' } },
      ],
    });
    const telemetry = createTelemetry(otel);
    const chat = createConversation({
      client: createClient({ serverURL: failing.url }),
      model: 'mistral-small-latest',
      store: new MemoryStore(),
      inspect: telemetry.inspect,
      maxRetries: 0,
    });
    try {
      await expect(chat.send('fail please')).rejects.toThrow();
    } finally {
      await chat.close();
      await failing.close();
    }
    const spans = otel.finished();
    const call = spans.find((s) => s.name === 'chat mistral-small-latest')!;
    const turn = spans.find((s) => s.name === 'invoke_agent mistral-small-latest')!;
    expect(call.attributes['error.type']).toEqual(expect.any(String));
    expect(turn.attributes['error.type']).toBe(call.attributes['error.type']);
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    const durations = await otel.metric('gen_ai.client.operation.duration');
    expect(durations.map((p) => p.attributes['error.type'])).toEqual([
      call.attributes['error.type'],
    ]);
  });
});
