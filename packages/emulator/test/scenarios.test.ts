import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { ScenarioRule } from '../src/index.js';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';

const rules: ScenarioRule[] = [
  { match: { lastUserMessage: 'capital of (\\w+)' }, text: 'The capital of $1 is a lovely city.' },
  {
    match: { agent: 'Booker', step: 1 },
    toolCalls: [{ name: 'book_table', arguments: { restaurant: 'Chez Paul', seats: 2 } }],
  },
  { match: { agent: 'Booker', step: 2 }, text: 'Your table is booked.' },
  { match: { lastUserMessage: 'forbidden' }, error: { status: 400, message: 'Not allowed' } },
  { match: { lastUserMessage: 'flaky' }, fault: '503', times: 1 },
  {
    match: { model: 'mistral-large-latest', endpoint: 'conversations' },
    text: 'Large conversation reply.',
  },
];

function writeScenarioFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-scenarios-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'scenarios.json');
  writeFileSync(file, JSON.stringify({ rules }));
  return file;
}

describe('scenarios', () => {
  it('answers with the exact text of the first matching rule, groups substituted, streamed or not', async () => {
    const { client, checkResponses } = await startTestEmulator({ scenarios: writeScenarioFile() });
    const res = await client.chat.complete({
      model,
      messages: [{ role: 'user', content: 'What is the capital of Peru?' }],
    });
    expect(res.choices[0]!.message!.content).toBe('The capital of Peru is a lovely city.');
    let streamed = '';
    for await (const e of await client.chat.stream({
      model,
      messages: [{ role: 'user', content: 'the capital of Chile' }],
    })) {
      streamed += (e.data.choices[0]?.delta.content as string | undefined) ?? '';
    }
    expect(streamed).toBe('The capital of Chile is a lovely city.');
    const other = await client.chat.complete({
      model,
      messages: [{ role: 'user', content: 'Something else' }],
    });
    expect(other.choices[0]!.message!.content).not.toContain('lovely city');
    await checkResponses();
  });

  it('gives exact tool calls by agent and step, then the scripted final text', async () => {
    const { client } = await startTestEmulator({ scenarios: rules });
    const agent = await client.beta.agents.create({ model, name: 'Booker' });
    const first = await client.agents.complete({
      agentId: agent.id,
      messages: [{ role: 'user', content: 'Book dinner' }],
    });
    const call = first.choices[0]!.message!.toolCalls![0]!;
    expect(call.function.name).toBe('book_table');
    expect(JSON.parse(call.function.arguments as string)).toEqual({
      restaurant: 'Chez Paul',
      seats: 2,
    });
    const second = await client.agents.complete({
      agentId: agent.id,
      messages: [
        { role: 'user', content: 'Book dinner' },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', toolCallId: call.id, name: 'book_table', content: 'ok' },
      ],
    });
    expect(second.choices[0]!.message!.content).toBe('Your table is booked.');
  });

  it('answers with a scripted error or fault, and limits a rule with times', async () => {
    const { client, emulator } = await startTestEmulator({ scenarios: rules });
    await expect(
      client.chat.complete({ model, messages: [{ role: 'user', content: 'this is forbidden' }] }),
    ).rejects.toMatchObject({ statusCode: 400, body: expect.stringContaining('Not allowed') });
    const flaky = { model, messages: [{ role: 'user' as const, content: 'a flaky call' }] };
    await expect(client.chat.complete(flaky)).rejects.toMatchObject({ statusCode: 503 });
    await expect(client.chat.complete(flaky)).resolves.toHaveProperty('choices');
    expect(emulator.stats().faultsInjected['503']).toBe(1);
  });

  it('matches conversations by model and endpoint', async () => {
    const { client } = await startTestEmulator({ scenarios: rules });
    const res = await client.beta.conversations.start({
      model: 'mistral-large-latest',
      inputs: 'Hello',
    });
    expect(res.outputs[0]).toMatchObject({
      type: 'message.output',
      content: 'Large conversation reply.',
    });
    const chat = await client.chat.complete({
      model: 'mistral-large-latest',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(chat.choices[0]!.message!.content).not.toBe('Large conversation reply.');
  });

  it('reports a mid-stream error as a conversation.response.error event, and cuts a chat stream', async () => {
    const { client } = await startTestEmulator({
      scenarios: [
        {
          match: { lastUserMessage: 'overload' },
          error: { status: 503, message: 'Model overloaded', midStream: true },
        },
      ],
    });
    const events: { event: string; data: unknown }[] = [];
    for await (const event of await client.beta.conversations.startStream({
      model,
      inputs: 'overload me',
    })) {
      events.push(event);
    }
    expect(events.map((e) => e.event)).toEqual([
      'conversation.response.started',
      'conversation.response.error',
    ]);
    expect(events[1]!.data).toMatchObject({
      type: 'conversation.response.error',
      message: 'Model overloaded',
      code: 503,
    });

    const chunks: unknown[] = [];
    const failure = await (async () => {
      for await (const event of await client.chat.stream({
        model,
        messages: [{ role: 'user', content: 'overload' }],
      })) {
        chunks.push(event.data);
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(chunks).toHaveLength(1);
    // Not streamed: an ordinary error answer.
    await expect(
      client.chat.complete({ model, messages: [{ role: 'user', content: 'overload' }] }),
    ).rejects.toMatchObject({
      statusCode: 503,
    });
  });

  it('refuses an invalid scenario file at start', async () => {
    await expect(
      startTestEmulator({ scenarios: [{ match: {}, text: 'a', fault: '500' }] }),
    ).rejects.toMatchObject({
      code: 'invalid_config',
    });
    await expect(
      startTestEmulator({ scenarios: '/nonexistent/scenarios.json' }),
    ).rejects.toMatchObject({
      code: 'invalid_config',
    });
  });
});
