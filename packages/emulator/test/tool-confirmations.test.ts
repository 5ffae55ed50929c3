import type { ConversationEvents, FunctionCallEntry } from '@mistralai/mistralai/models/components';
import { SDKError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './support/test-emulator.js';

async function collect(stream: AsyncIterable<ConversationEvents>): Promise<ConversationEvents[]> {
  const events: ConversationEvents[] = [];
  for await (const event of stream) events.push(event);
  expect(events.filter((e) => 'isUnknown' in e.data)).toEqual([]);
  return events;
}

/** An agent whose web_search waits for the client's confirmation. */
async function cautiousAgent({ client }: TestEmulator) {
  return client.beta.agents.create({
    model: 'mistral-medium-latest',
    name: 'Cautious',
    tools: [
      { type: 'web_search', toolConfiguration: { requiresConfirmation: ['web_search'] } },
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ],
  });
}

async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SDKError);
  return { status: (error as SDKError).statusCode, body: JSON.parse((error as SDKError).body) };
}

describe('tool confirmations', () => {
  it('stops at a pending function.call; allow runs the tool and the agent answers', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const agent = await cautiousAgent(emu);
    const started = await client.beta.conversations.start({
      agentId: agent.id,
      inputs: 'Search the web for comet news',
    });
    expect(started.outputs).toHaveLength(1);
    const call = started.outputs[0] as FunctionCallEntry;
    expect(call).toMatchObject({
      type: 'function.call',
      name: 'web_search',
      confirmationStatus: 'pending',
      agentId: agent.id,
      model: 'mistral-medium-latest',
    });
    expect(call.toolCallId).toMatch(/^call_/);
    expect(JSON.parse(call.arguments as string)).toEqual({
      query: 'Search the web for comet news',
    });
    expect(started.usage.totalTokens).toBe(0);
    const conversationId = started.conversationId;

    const allowed = await client.beta.conversations.append({
      conversationId,
      conversationAppendRequest: {
        toolConfirmations: [{ toolCallId: call.toolCallId, confirmation: 'allow' }],
      },
    });
    expect(allowed.outputs.map((o) => o.type)).toEqual(['tool.execution', 'message.output']);
    expect(allowed.outputs[0]).toMatchObject({
      name: 'web_search',
      arguments: call.arguments,
      info: {
        tool_call_id: call.toolCallId,
        result: '3 web results were found for "Search the web for comet news"',
      },
    });
    expect((allowed.outputs[1] as { content: string }).content).toContain('3 web results');
    const history = await client.beta.conversations.getHistory({ conversationId });
    expect(history.entries.map((e) => e.type)).toEqual([
      'message.input',
      'function.call',
      'tool.execution',
      'message.output',
    ]);
    expect(history.entries[1]).toMatchObject({
      toolCallId: call.toolCallId,
      confirmationStatus: 'allowed',
    });

    // Deciding again is a conflict; a call nobody made is not found.
    const again = await apiError(
      client.beta.conversations.append({
        conversationId,
        conversationAppendRequest: {
          toolConfirmations: [{ toolCallId: call.toolCallId, confirmation: 'deny' }],
        },
      }),
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      object: 'error',
      type: 'invalid_request_error',
      code: 'tool_call_not_pending',
      param: 'tool_confirmations',
    });
    const unknown = await apiError(
      client.beta.conversations.append({
        conversationId,
        conversationAppendRequest: {
          toolConfirmations: [{ toolCallId: 'call_nope', confirmation: 'allow' }],
        },
      }),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ object: 'error', code: 'not_found' });
    expect((await client.beta.conversations.getHistory({ conversationId })).entries).toHaveLength(
      4,
    );
    await emu.checkResponses();
  });

  it('deny does not run the tool: the agent answers without its output', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const agent = await cautiousAgent(emu);
    const started = await client.beta.conversations.start({
      agentId: agent.id,
      inputs: 'Search the web for comet news',
    });
    const call = started.outputs[0] as FunctionCallEntry;
    const denied = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: {
        toolConfirmations: [{ toolCallId: call.toolCallId, confirmation: 'deny' }],
      },
    });
    expect(denied.outputs.map((o) => o.type)).toEqual(['message.output']);
    expect((denied.outputs[0] as { content: string }).content).not.toContain('web results');
    const history = await client.beta.conversations.getHistory({
      conversationId: started.conversationId,
    });
    expect(history.entries.map((e) => e.type)).toEqual([
      'message.input',
      'function.call',
      'message.output',
    ]);
    expect(history.entries[1]).toMatchObject({ confirmationStatus: 'denied' });
    await emu.checkResponses();
  });

  it('refuses a confirmation for a call that needs none (a client function call): 409', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const agent = await cautiousAgent(emu);
    const started = await client.beta.conversations.start({
      agentId: agent.id,
      inputs: 'Use get_weather for "Oslo"',
    });
    const call = started.outputs[0] as FunctionCallEntry;
    expect(call).toMatchObject({ type: 'function.call', name: 'get_weather' });
    expect(call.confirmationStatus ?? null).toBeNull();
    const error = await apiError(
      client.beta.conversations.append({
        conversationId: started.conversationId,
        conversationAppendRequest: {
          toolConfirmations: [{ toolCallId: call.toolCallId, confirmation: 'allow' }],
        },
      }),
    );
    expect(error.status).toBe(409);
    expect(error.body).toMatchObject({ code: 'tool_call_not_pending' });
  });

  it('answers a plain append while a call is pending, and the call can still be decided', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const agent = await cautiousAgent(emu);
    const started = await client.beta.conversations.start({
      agentId: agent.id,
      inputs: 'Search the web for comet news',
    });
    const call = started.outputs[0] as FunctionCallEntry;
    const plain = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: { inputs: 'Never mind, tell me a joke' },
    });
    expect(plain.outputs.map((o) => o.type)).toEqual(['message.output']);
    const later = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: {
        toolConfirmations: [{ toolCallId: call.toolCallId, confirmation: 'allow' }],
      },
    });
    expect(later.outputs.map((o) => o.type)).toEqual(['tool.execution', 'message.output']);
    await emu.checkResponses();
  });

  it('streams the pending call as function.call.delta, then the allowed execution', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const agent = await cautiousAgent(emu);
    const events = await collect(
      await client.beta.conversations.startStream({
        agentId: agent.id,
        inputs: 'Search the web for comet news',
      }),
    );
    expect(events.map((e) => e.event)).toEqual([
      'conversation.response.started',
      'function.call.delta',
      'conversation.response.done',
    ]);
    const delta = events[1]!.data as {
      name: string;
      toolCallId: string;
      confirmationStatus: string;
    };
    expect(delta).toMatchObject({ name: 'web_search', confirmationStatus: 'pending' });
    const conversationId = (events[0]!.data as { conversationId: string }).conversationId;

    const continued = await collect(
      await client.beta.conversations.appendStream({
        conversationId,
        conversationAppendStreamRequest: {
          toolConfirmations: [{ toolCallId: delta.toolCallId, confirmation: 'allow' }],
        },
      }),
    );
    const types = continued.map((e) => e.event);
    expect(types.slice(0, 4)).toEqual([
      'conversation.response.started',
      'tool.execution.started',
      'tool.execution.delta',
      'tool.execution.done',
    ]);
    expect(continued[3]!.data).toMatchObject({
      name: 'web_search',
      info: { tool_call_id: delta.toolCallId },
    });
    expect(types).toContain('message.output.delta');
    expect(types[types.length - 1]).toBe('conversation.response.done');

    const denied = await collect(
      await client.beta.conversations.startStream({
        agentId: agent.id,
        inputs: 'Search the web for rocket news',
      }),
    );
    const pending = denied[1]!.data as { toolCallId: string };
    const deniedId = (denied[0]!.data as { conversationId: string }).conversationId;
    const afterDeny = await collect(
      await client.beta.conversations.appendStream({
        conversationId: deniedId,
        conversationAppendStreamRequest: {
          toolConfirmations: [{ toolCallId: pending.toolCallId, confirmation: 'deny' }],
        },
      }),
    );
    expect(afterDeny.some((e) => e.event.startsWith('tool.execution'))).toBe(false);
    expect(afterDeny.map((e) => e.event)).toContain('message.output.delta');
    await emu.checkResponses();
  });
});
