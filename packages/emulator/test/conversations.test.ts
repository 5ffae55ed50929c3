import type { ConversationEvents } from '@mistralai/mistralai/models/components';
import { describe, expect, it } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

async function collect(stream: AsyncIterable<ConversationEvents>): Promise<ConversationEvents[]> {
  const events: ConversationEvents[] = [];
  for await (const event of stream) events.push(event);
  // An event the SDK could not parse degrades to an UNKNOWN one instead of throwing.
  expect(events.filter((e) => 'isUnknown' in e.data)).toEqual([]);
  return events;
}

describe('beta conversations', () => {
  it('starts a model conversation, appends to it and reads history and messages', async () => {
    const { client, emulator, checkResponses } = await startTestEmulator();
    const started = await client.beta.conversations.start({
      model: 'mistral-medium-latest',
      inputs: 'What makes sourdough bread rise?',
      metadata: { topic: 'baking' },
    });
    expect(started.conversationId).toMatch(/^conv_[0-9a-f]{32}$/);
    expect(started.outputs).toHaveLength(1);
    const output = started.outputs[0]!;
    expect(output.type).toBe('message.output');
    expect(String((output as { content: unknown }).content).toLowerCase()).toMatch(
      /sourdough|bread/,
    );
    expect(started.usage.totalTokens).toBeGreaterThan(0);

    const appended = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: { inputs: 'And what about rye flour?' },
    });
    expect(appended.conversationId).toBe(started.conversationId);

    const history = await client.beta.conversations.getHistory({
      conversationId: started.conversationId,
    });
    expect(history.entries.map((e) => e.type)).toEqual([
      'message.input',
      'message.output',
      'message.input',
      'message.output',
    ]);
    const messages = await client.beta.conversations.getMessages({
      conversationId: started.conversationId,
    });
    expect(messages.messages).toHaveLength(4);
    const conversation = await client.beta.conversations.get({
      conversationId: started.conversationId,
    });
    expect(conversation).toMatchObject({
      id: started.conversationId,
      model: 'mistral-medium-latest',
    });
    const list = await client.beta.conversations.list({ metadata: { topic: 'baking' } });
    expect(list.map((c) => c.id)).toEqual([started.conversationId]);
    expect(await client.beta.conversations.list({ metadata: { topic: 'other' } })).toEqual([]);
    expect(emulator.stats().conversations).toBe(1);
    expect(await checkResponses()).toBe(7);
  });

  it('runs function tools: a function.call output, then a function.result input, then the answer', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const started = await client.beta.conversations.start({
      model: 'mistral-small-latest',
      tools: [weatherTool],
      inputs: 'Use get_weather for "Madrid"',
    });
    const call = started.outputs[0] as {
      type: string;
      name: string;
      toolCallId: string;
      arguments: string;
    };
    expect(call.type).toBe('function.call');
    expect(call.name).toBe('get_weather');
    expect(JSON.parse(call.arguments)).toEqual({ city: 'Madrid' });

    const answered = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: {
        inputs: [
          {
            type: 'function.result',
            toolCallId: call.toolCallId,
            result: '{"sky":"sunny","temp":31}',
          },
        ],
      },
    });
    const message = answered.outputs[0] as { type: string; content: string };
    expect(message.type).toBe('message.output');
    expect(message.content).toContain('"temp":31');
    await checkResponses();
  });

  it('starts an agent conversation that uses the agent and hands off to another agent', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const billing = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Billing',
    });
    const triage = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Triage',
      handoffs: [billing.id],
    });
    const res = await client.beta.conversations.start({
      agentId: triage.id,
      inputs: 'Please pass me to Billing about my invoice',
    });
    expect(res.outputs.map((o) => o.type)).toEqual(['agent.handoff', 'message.output']);
    expect(res.outputs[0]).toMatchObject({
      previousAgentId: triage.id,
      nextAgentId: billing.id,
      nextAgentName: 'Billing',
    });
    expect(res.outputs[1]).toMatchObject({ agentId: billing.id, model: 'mistral-small-latest' });
    const conversation = await client.beta.conversations.get({
      conversationId: res.conversationId,
    });
    expect(conversation).toMatchObject({ agentId: triage.id });
    await checkResponses();
  });

  it('streams every event with its event line and no [DONE], including tools and handoffs', async () => {
    const { client, url, checkResponses } = await startTestEmulator();
    const helper = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Researcher',
      tools: [{ type: 'web_search' }],
    });
    const lead = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Lead',
      handoffs: [helper.id],
    });
    const events = await collect(
      await client.beta.conversations.startStream({
        agentId: lead.id,
        inputs: 'Ask Researcher to search the web for comet news',
      }),
    );
    const types = events.map((e) => e.event);
    expect(types[0]).toBe('conversation.response.started');
    expect(types).toContain('agent.handoff.started');
    expect(types).toContain('agent.handoff.done');
    expect(types).toContain('tool.execution.started');
    expect(types).toContain('tool.execution.delta');
    expect(types).toContain('tool.execution.done');
    expect(types.filter((t) => t === 'message.output.delta').length).toBeGreaterThan(5);
    expect(types[types.length - 1]).toBe('conversation.response.done');
    for (const event of events) expect(event.data.type).toBe(event.event);

    const convId = (events[0]!.data as { conversationId: string }).conversationId;
    const tools = await client.beta.conversations.startStream({
      model: 'mistral-small-latest',
      tools: [weatherTool],
      inputs: 'get_weather for "Lima"',
    });
    const toolEvents = await collect(tools);
    const delta = toolEvents.find((e) => e.event === 'function.call.delta')!.data as {
      name: string;
      arguments: string;
    };
    expect(delta.name).toBe('get_weather');
    expect(JSON.parse(delta.arguments)).toEqual({ city: 'Lima' });

    const raw = await fetch(`${url}/v1/conversations/${convId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ inputs: 'Thanks, and the weather?', stream: true }),
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await raw.text();
    expect(text).not.toContain('[DONE]');
    for (const block of text.trim().split('\n\n'))
      expect(block).toMatch(/^event: [a-z.]+\ndata: \{/);
    await checkResponses();
  });

  it('streams appends and restarts; a restart makes a new conversation from an entry', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const first = await client.beta.conversations.start({
      model: 'mistral-small-latest',
      inputs: 'Name a famous bridge',
    });
    await client.beta.conversations.append({
      conversationId: first.conversationId,
      conversationAppendRequest: { inputs: 'Where is it?' },
    });
    const appendEvents = await collect(
      await client.beta.conversations.appendStream({
        conversationId: first.conversationId,
        conversationAppendStreamRequest: { inputs: 'How long is it?' },
      }),
    );
    expect(appendEvents[appendEvents.length - 1]!.event).toBe('conversation.response.done');
    const history = await client.beta.conversations.getHistory({
      conversationId: first.conversationId,
    });
    expect(history.entries).toHaveLength(6);

    const fromEntry = history.entries[1]!.id!;
    const restarted = await client.beta.conversations.restart({
      conversationId: first.conversationId,
      conversationRestartRequest: {
        fromEntryId: fromEntry,
        inputs: 'Tell me about tunnels instead',
      },
    });
    expect(restarted.conversationId).not.toBe(first.conversationId);
    const restartedHistory = await client.beta.conversations.getHistory({
      conversationId: restarted.conversationId,
    });
    expect(restartedHistory.entries.map((e) => e.id).slice(0, 2)).toEqual(
      history.entries.slice(0, 2).map((e) => e.id),
    );
    expect(restartedHistory.entries).toHaveLength(4);

    const restartEvents = await collect(
      await client.beta.conversations.restartStream({
        conversationId: first.conversationId,
        conversationRestartStreamRequest: { fromEntryId: fromEntry, inputs: 'Or canals?' },
      }),
    );
    const started = restartEvents[0]!.data as { conversationId: string };
    expect(started.conversationId).not.toBe(first.conversationId);
    await expect(
      client.beta.conversations.restart({
        conversationId: first.conversationId,
        conversationRestartRequest: { fromEntryId: 'msg_unknown', inputs: 'x' },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
    await checkResponses();
  });

  it('deletes a conversation (204) and then answers 404', async () => {
    const { client } = await startTestEmulator();
    const res = await client.beta.conversations.start({
      model: 'mistral-small-latest',
      inputs: 'Hello there',
    });
    await client.beta.conversations.delete({ conversationId: res.conversationId });
    await expect(
      client.beta.conversations.get({ conversationId: res.conversationId }),
    ).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      client.beta.conversations.append({
        conversationId: res.conversationId,
        conversationAppendRequest: { inputs: 'x' },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });

  it('rejects a start without model or agent, and unknown fields, with 422 details', async () => {
    const { client, url } = await startTestEmulator();
    await expect(client.beta.conversations.start({ inputs: 'Hi' })).rejects.toMatchObject({
      name: 'HTTPValidationError',
    });
    const res = await fetch(`${url}/v1/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'Hi', model: 'mistral-small-latest', temperature: 1 }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      object: 'error',
      message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'temperature'] }] },
    });
  });
});
