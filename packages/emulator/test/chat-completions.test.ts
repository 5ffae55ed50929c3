import type { CompletionEvent } from '@mistralai/mistralai/models/components';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';

async function collect(stream: AsyncIterable<CompletionEvent>): Promise<CompletionEvent['data'][]> {
  const chunks: CompletionEvent['data'][] = [];
  for await (const event of stream) chunks.push(event.data);
  return chunks;
}

function streamedText(chunks: CompletionEvent['data'][], index = 0): string {
  return chunks
    .flatMap((c) => c.choices.filter((choice) => choice.index === index))
    .map((choice) => (typeof choice.delta.content === 'string' ? choice.delta.content : ''))
    .join('');
}

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
      },
      required: ['city', 'unit'],
    },
  },
};

const timeTool = {
  type: 'function' as const,
  function: {
    name: 'get_time',
    description: 'Get the local time in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('POST /v1/chat/completions', () => {
  it('answers in sentences that mention the key terms of the prompt', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const res = await client.chat.complete({
      model,
      messages: [{ role: 'user', content: 'How do volcanoes form near tectonic plates?' }],
    });
    expect(res.object).toBe('chat.completion');
    expect(Number.isInteger(res.created)).toBe(true);
    const choice = res.choices[0]!;
    expect(choice.finishReason).toBe('stop');
    const text = choice.message!.content as string;
    expect(text).toMatch(/[.!?]$/);
    expect(text.toLowerCase()).toMatch(/volcanoes|tectonic|plates/);
    expect(text).not.toBe('How do volcanoes form near tectonic plates?');
    expect(res.usage.completionTokens).toBeGreaterThanOrEqual(15);
    expect(res.usage.completionTokens).toBeLessThanOrEqual(70);
    expect(res.usage.totalTokens).toBe(res.usage.promptTokens! + res.usage.completionTokens!);
    expect(await checkResponses()).toBe(1);
  });

  it('gives the same output for the same seed and input, and another for another random_seed', async () => {
    const { client } = await startTestEmulator({ seed: 7 });
    const request = {
      model,
      messages: [{ role: 'user' as const, content: 'Explain photosynthesis in plants' }],
    };
    const a = await client.chat.complete(request);
    const b = await client.chat.complete(request);
    expect(a.choices[0]!.message!.content).toBe(b.choices[0]!.message!.content);
    const seeded = await Promise.all(
      [1, 2, 3].map((randomSeed) => client.chat.complete({ ...request, randomSeed })),
    );
    const texts = new Set(seeded.map((r) => r.choices[0]!.message!.content));
    expect(texts.size).toBeGreaterThan(1);
    const again = await client.chat.complete({ ...request, randomSeed: 2 });
    expect(again.choices[0]!.message!.content).toBe(seeded[1]!.choices[0]!.message!.content);
  });

  it('streams a role chunk, content chunks, then finish_reason and usage on the last chunk only', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const request = {
      model,
      messages: [{ role: 'user' as const, content: 'Describe the rings of Saturn' }],
    };
    const whole = await client.chat.complete(request);
    const chunks = await collect(await client.chat.stream(request));
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    const last = chunks[chunks.length - 1]!;
    expect(last.choices[0]!.finishReason).toBe('stop');
    expect(last.usage).toEqual(whole.usage);
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.usage).toBeUndefined();
      expect(chunk.choices[0]!.finishReason).toBeNull();
    }
    expect(streamedText(chunks)).toBe(whole.choices[0]!.message!.content);
    expect(chunks.length - 2).toBe(whole.usage.completionTokens);
    expect(await checkResponses()).toBe(1 + chunks.length);
  });

  it('honours max_tokens with finish_reason length, streamed or not', async () => {
    const { client } = await startTestEmulator();
    const request = {
      model,
      maxTokens: 4,
      messages: [{ role: 'user' as const, content: 'Write about medieval castles and knights' }],
    };
    const res = await client.chat.complete(request);
    expect(res.choices[0]!.finishReason).toBe('length');
    expect(res.usage.completionTokens).toBe(4);
    const chunks = await collect(await client.chat.stream(request));
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(4);
    expect(chunks[chunks.length - 1]!.choices[0]!.finishReason).toBe('length');
    expect(streamedText(chunks)).toBe(res.choices[0]!.message!.content);
  });

  it('cuts the text before a stop sequence', async () => {
    const { client } = await startTestEmulator();
    const messages = [{ role: 'user' as const, content: 'Tell me about glaciers' }];
    const full = (await client.chat.complete({ model, messages })).choices[0]!.message!
      .content as string;
    expect(full).toContain('glaciers');
    const cut = await client.chat.complete({ model, messages, stop: ['glaciers'] });
    const text = cut.choices[0]!.message!.content as string;
    expect(text).toBe(full.slice(0, full.indexOf('glaciers')));
    expect(cut.choices[0]!.finishReason).toBe('stop');
  });

  it('returns n choices, streamed with their own indexes', async () => {
    const { client } = await startTestEmulator();
    const request = {
      model,
      n: 3,
      messages: [{ role: 'user' as const, content: 'Ideas for a garden party' }],
    };
    const res = await client.chat.complete(request);
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(res.choices.map((c) => c.message!.content)).size).toBeGreaterThan(1);
    const chunks = await collect(await client.chat.stream(request));
    for (const choice of res.choices) {
      expect(streamedText(chunks, choice.index)).toBe(choice.message!.content);
    }
  });

  it('calls a tool the prompt names, with arguments from quoted text and enums', async () => {
    const { client, emulator, checkResponses } = await startTestEmulator();
    const res = await client.chat.complete({
      model,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Use get_weather for "Lyon" in fahrenheit please' }],
    });
    const choice = res.choices[0]!;
    expect(choice.finishReason).toBe('tool_calls');
    const calls = choice.message!.toolCalls!;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.function.name).toBe('get_weather');
    expect(calls[0]!.id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(JSON.parse(calls[0]!.function.arguments as string)).toEqual({
      city: 'Lyon',
      unit: 'fahrenheit',
    });
    expect(emulator.stats().toolCalls).toBe(1);
    await checkResponses();
  });

  it('calls a tool whose purpose the prompt asks for without naming it', async () => {
    const { client } = await startTestEmulator();
    const res = await client.chat.complete({
      model,
      tools: [timeTool, weatherTool],
      messages: [{ role: 'user', content: 'What is the weather like in "Oslo" today?' }],
    });
    const call = res.choices[0]!.message!.toolCalls![0]!;
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments as string)).toMatchObject({
      city: 'Oslo',
      unit: 'celsius',
    });
  });

  it('answers in text when no tool is named or asked for with tool_choice auto', async () => {
    const { client } = await startTestEmulator();
    const res = await client.chat.complete({
      model,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Recommend a good novel about sailing' }],
    });
    expect(res.choices[0]!.finishReason).toBe('stop');
    expect(res.choices[0]!.message!.toolCalls).toBeNull();
  });

  it('makes parallel calls for several named tools, each with its own quoted argument', async () => {
    const { client } = await startTestEmulator();
    const res = await client.chat.complete({
      model,
      tools: [weatherTool, timeTool],
      messages: [
        { role: 'user', content: 'Call get_weather for "Paris" and get_time for "Tokyo"' },
      ],
    });
    const calls = res.choices[0]!.message!.toolCalls!;
    expect(calls.map((c) => c.function.name)).toEqual(['get_weather', 'get_time']);
    expect(JSON.parse(calls[0]!.function.arguments as string).city).toBe('Paris');
    expect(JSON.parse(calls[1]!.function.arguments as string).city).toBe('Tokyo');
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
  });

  it('follows tool_choice none, any and a named function', async () => {
    const { client } = await startTestEmulator();
    const messages = [{ role: 'user' as const, content: 'Use get_weather for "Rome"' }];
    const none = await client.chat.complete({
      model,
      tools: [weatherTool, timeTool],
      toolChoice: 'none',
      messages,
    });
    expect(none.choices[0]!.message!.toolCalls).toBeNull();
    const plain = [{ role: 'user' as const, content: 'Say something nice' }];
    const any = await client.chat.complete({
      model,
      tools: [weatherTool, timeTool],
      toolChoice: 'any',
      messages: plain,
    });
    expect(any.choices[0]!.message!.toolCalls).toHaveLength(1);
    const named = await client.chat.complete({
      model,
      tools: [weatherTool, timeTool],
      toolChoice: { type: 'function', function: { name: 'get_time' } },
      messages,
    });
    expect(named.choices[0]!.message!.toolCalls!.map((c) => c.function.name)).toEqual(['get_time']);
  });

  it('answers with the tool results after the tool messages, without a new call', async () => {
    const { client } = await startTestEmulator();
    const first = await client.chat.complete({
      model,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Use get_weather for "Nice"' }],
    });
    const call = first.choices[0]!.message!.toolCalls![0]!;
    const res = await client.chat.complete({
      model,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Use get_weather for "Nice"' },
        { role: 'assistant', content: '', toolCalls: [call] },
        {
          role: 'tool',
          toolCallId: call.id,
          name: 'get_weather',
          content: '{"temperature":24,"sky":"clear"}',
        },
      ],
    });
    expect(res.choices[0]!.finishReason).toBe('stop');
    expect(res.choices[0]!.message!.toolCalls).toBeNull();
    expect(res.choices[0]!.message!.content).toContain('"temperature":24');
    expect(res.choices[0]!.message!.content).toContain('get_weather');
  });

  it('calls named tools one step at a time when the prompt orders them', async () => {
    const { client } = await startTestEmulator();
    const prompt = 'First use get_weather for "Bern", then get_time for "Bern"';
    const tools = [weatherTool, timeTool];
    const step1 = await client.chat.complete({
      model,
      tools,
      messages: [{ role: 'user', content: prompt }],
    });
    const call1 = step1.choices[0]!.message!.toolCalls!;
    expect(call1.map((c) => c.function.name)).toEqual(['get_weather']);
    const history = [
      { role: 'user' as const, content: prompt },
      { role: 'assistant' as const, content: '', toolCalls: call1 },
      { role: 'tool' as const, toolCallId: call1[0]!.id, name: 'get_weather', content: 'sunny' },
    ];
    const step2 = await client.chat.complete({ model, tools, messages: history });
    const call2 = step2.choices[0]!.message!.toolCalls!;
    expect(call2.map((c) => c.function.name)).toEqual(['get_time']);
    const step3 = await client.chat.complete({
      model,
      tools,
      messages: [
        ...history,
        { role: 'assistant', content: '', toolCalls: call2 },
        { role: 'tool', toolCallId: call2[0]!.id, name: 'get_time', content: '10:00' },
      ],
    });
    expect(step3.choices[0]!.message!.toolCalls).toBeNull();
    expect(step3.choices[0]!.message!.content).toContain('10:00');
  });

  it('streams tool calls whole in one delta', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const chunks = await collect(
      await client.chat.stream({
        model,
        tools: [weatherTool, timeTool],
        messages: [{ role: 'user', content: 'get_weather and get_time for "Kyiv"' }],
      }),
    );
    const withCalls = chunks.filter((c) => c.choices[0]?.delta.toolCalls);
    expect(withCalls).toHaveLength(1);
    const calls = withCalls[0]!.choices[0]!.delta.toolCalls!;
    expect(calls.map((c) => [c.function.name, c.index])).toEqual([
      ['get_weather', 0],
      ['get_time', 1],
    ]);
    expect(chunks[chunks.length - 1]!.choices[0]!.finishReason).toBe('tool_calls');
    await checkResponses();
  });

  it('returns JSON that satisfies a json_schema response format (parse with zod)', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const Recipe = z.object({
      title: z.string(),
      servings: z.number().int().min(1).max(12),
      difficulty: z.enum(['easy', 'medium', 'hard']),
      ingredients: z.array(z.object({ name: z.string(), grams: z.number() })).min(2),
      vegetarian: z.boolean(),
      notes: z.string().optional(),
    });
    const res = await client.chat.parse({
      model,
      messages: [{ role: 'user', content: 'A hard recipe called "Tarte Tatin" for 6 people' }],
      responseFormat: Recipe,
    });
    const parsed = Recipe.parse(res.choices![0]!.message!.parsed);
    expect(parsed.title).toBe('Tarte Tatin');
    expect(parsed.difficulty).toBe('hard');
    expect(parsed.servings).toBe(6);
    expect(parsed.ingredients.length).toBeGreaterThanOrEqual(2);
    await checkResponses();
  });

  it('returns a JSON object for response_format json_object', async () => {
    const { client } = await startTestEmulator();
    const res = await client.chat.complete({
      model,
      responseFormat: { type: 'json_object' },
      messages: [{ role: 'user', content: 'Summarise the history of chess as JSON' }],
    });
    const value = JSON.parse(res.choices[0]!.message!.content as string) as Record<string, unknown>;
    expect(typeof value).toBe('object');
    expect(JSON.stringify(value).toLowerCase()).toContain('chess');
  });

  it('accepts content chunks and serves under a path prefix', async () => {
    const { client } = await startTestEmulator({}, { serverPath: '/some/prefix' });
    const res = await client.chat.complete({
      model,
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture of lighthouses?' },
            { type: 'image_url', imageUrl: 'https://example.com/a.png' },
          ],
        },
      ],
    });
    expect(res.choices[0]!.message!.content).toMatch(/lighthouses|picture/i);
  });
});

describe('large prompts', () => {
  it('answers a 4 MB prompt mixing quoted phrases and numbers, and a small request right after it', async () => {
    const { client } = await startTestEmulator();
    const unit = (i: number) =>
      `Item "phrase ${i}" costs ${i * 3} units, 'note ${i}' weighs ${i}.5. `;
    const content = Array.from({ length: 100_000 }, (_, i) => unit(i)).join('');
    const [large, small] = await Promise.all([
      client.chat.complete({ model, messages: [{ role: 'user', content }] }),
      client.chat.complete({ model, messages: [{ role: 'user', content: 'Hello.' }] }),
    ]);
    expect(large.usage.promptTokens).toBeGreaterThan(500_000);
    expect(large.choices[0]?.finishReason).toBe('stop');
    expect(small.choices[0]?.message?.content).toBeTruthy();
  });
});
