import type { ConversationEvents } from '@mistralai/mistralai/models/components';
import { describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './support/test-emulator.js';

async function collect(stream: AsyncIterable<ConversationEvents>): Promise<ConversationEvents[]> {
  const events: ConversationEvents[] = [];
  for await (const event of stream) events.push(event);
  expect(events.filter((e) => 'isUnknown' in e.data)).toEqual([]);
  return events;
}

/** A triage agent that can hand off to Billing and Shipping agents. */
async function team({ client }: TestEmulator) {
  const billing = await client.beta.agents.create({
    model: 'mistral-small-latest',
    name: 'Billing',
  });
  const shipping = await client.beta.agents.create({
    model: 'mistral-large-latest',
    name: 'Shipping desk',
  });
  const triage = await client.beta.agents.create({
    model: 'mistral-medium-latest',
    name: 'Triage',
    handoffs: [billing.id, shipping.id],
  });
  return { billing, shipping, triage };
}

describe('server-side handoffs', () => {
  it('hands off to the first agent of handoffs whose name the user message contains', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const { billing, shipping, triage } = await team(emu);

    const none = await client.beta.conversations.start({
      agentId: triage.id,
      inputs: 'Where is my parcel?',
    });
    expect(none.outputs.map((o) => o.type)).toEqual(['message.output']);
    expect(none.outputs[0]).toMatchObject({ agentId: triage.id });

    // Case-insensitive, whole words: "shipping desk" names the agent "Shipping desk"; "Billing"
    // comes first in `handoffs`, so it wins when both are named.
    const both = await client.beta.conversations.start({
      agentId: triage.id,
      inputs: 'the shipping desk or BILLING, whoever knows about refunds',
    });
    expect(both.outputs.map((o) => o.type)).toEqual(['agent.handoff', 'message.output']);
    expect(both.outputs[0]).toMatchObject({ nextAgentId: billing.id, nextAgentName: 'Billing' });

    const partial = await client.beta.conversations.start({
      agentId: triage.id,
      inputs: 'I was billed twice by the shipping company',
    });
    expect(partial.outputs.map((o) => o.type)).toEqual(['message.output']);

    const shipped = await client.beta.conversations.start({
      agentId: triage.id,
      inputs: 'Shipping desk please: where is my parcel?',
    });
    expect(shipped.outputs[0]).toMatchObject({
      type: 'agent.handoff',
      previousAgentId: triage.id,
      previousAgentName: 'Triage',
      nextAgentId: shipping.id,
      nextAgentName: 'Shipping desk',
    });
    expect(shipped.outputs[1]).toMatchObject({
      agentId: shipping.id,
      model: 'mistral-large-latest',
    });

    // The next turn starts again with the conversation's own agent.
    const next = await client.beta.conversations.append({
      conversationId: shipped.conversationId,
      conversationAppendRequest: { inputs: 'Thanks, that is all' },
    });
    expect(next.outputs.map((o) => o.type)).toEqual(['message.output']);
    expect(next.outputs[0]).toMatchObject({ agentId: triage.id });
    const history = await client.beta.conversations.getHistory({
      conversationId: shipped.conversationId,
    });
    expect(history.entries.map((e) => e.type)).toEqual([
      'message.input',
      'agent.handoff',
      'message.output',
      'message.input',
      'message.output',
    ]);
    await emu.checkResponses();
  });

  it('streams agent.handoff.started and agent.handoff.done before the target answers', async () => {
    const emu = await startTestEmulator();
    const { billing, triage } = await team(emu);
    const events = await collect(
      await emu.client.beta.conversations.startStream({
        agentId: triage.id,
        inputs: 'Billing, please',
      }),
    );
    const types = events.map((e) => e.event);
    expect(types.slice(0, 3)).toEqual([
      'conversation.response.started',
      'agent.handoff.started',
      'agent.handoff.done',
    ]);
    expect(events[1]!.data).toMatchObject({
      previousAgentId: triage.id,
      previousAgentName: 'Triage',
    });
    expect(events[2]!.data).toMatchObject({ nextAgentId: billing.id, nextAgentName: 'Billing' });
    const deltas = events.filter((e) => e.event === 'message.output.delta');
    expect(deltas.length).toBeGreaterThan(0);
    for (const delta of deltas) expect(delta.data).toMatchObject({ agentId: billing.id });
    expect(types[types.length - 1]).toBe('conversation.response.done');
    await emu.checkResponses();
  });
});

describe("handoff_execution: 'client'", () => {
  it('returns the agent.handoff entry alone; an append continues with the target agent', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const { billing, triage } = await team(emu);
    const started = await client.beta.conversations.start({
      agentId: triage.id,
      inputs: 'Billing please: I was charged twice',
      handoffExecution: 'client',
    });
    expect(started.outputs).toHaveLength(1);
    expect(started.outputs[0]).toMatchObject({
      object: 'entry',
      type: 'agent.handoff',
      previousAgentId: triage.id,
      previousAgentName: 'Triage',
      nextAgentId: billing.id,
      nextAgentName: 'Billing',
    });
    expect(started.usage).toMatchObject({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
    const conversationId = started.conversationId;
    const pending = await client.beta.conversations.getHistory({ conversationId });
    expect(pending.entries.map((e) => e.type)).toEqual(['message.input', 'agent.handoff']);

    // An append without inputs lets the target answer the message it was handed.
    const continued = await client.beta.conversations.append({
      conversationId,
      conversationAppendRequest: {},
    });
    expect(continued.outputs.map((o) => o.type)).toEqual(['message.output']);
    expect(continued.outputs[0]).toMatchObject({
      agentId: billing.id,
      model: 'mistral-small-latest',
    });
    expect(String((continued.outputs[0] as { content: unknown }).content).toLowerCase()).toMatch(
      /charged|twice/,
    );

    // Once the target has answered, turns start with the conversation's agent again.
    const after = await client.beta.conversations.append({
      conversationId,
      conversationAppendRequest: { inputs: 'Thank you' },
    });
    expect(after.outputs[0]).toMatchObject({ type: 'message.output', agentId: triage.id });

    // With new inputs, the target answers them.
    const second = await client.beta.conversations.append({
      conversationId,
      conversationAppendRequest: { inputs: 'Billing again, sorry', handoffExecution: 'client' },
    });
    expect(second.outputs.map((o) => o.type)).toEqual(['agent.handoff']);
    const withInputs = await client.beta.conversations.append({
      conversationId,
      conversationAppendRequest: { inputs: 'My invoice number is 42' },
    });
    expect(withInputs.outputs[0]).toMatchObject({ type: 'message.output', agentId: billing.id });
    await emu.checkResponses();
  });

  it('streams only the handoff events, then the continuation from the target', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const { billing, triage } = await team(emu);
    const events = await collect(
      await client.beta.conversations.startStream({
        agentId: triage.id,
        inputs: 'Billing please: I was charged twice',
        handoffExecution: 'client',
      }),
    );
    expect(events.map((e) => e.event)).toEqual([
      'conversation.response.started',
      'agent.handoff.started',
      'agent.handoff.done',
      'conversation.response.done',
    ]);
    expect(events[1]!.data).toMatchObject({ previousAgentId: triage.id, outputIndex: 0 });
    expect(events[2]!.data).toMatchObject({ nextAgentId: billing.id, nextAgentName: 'Billing' });
    const conversationId = (events[0]!.data as { conversationId: string }).conversationId;

    const continued = await collect(
      await client.beta.conversations.appendStream({
        conversationId,
        conversationAppendStreamRequest: {},
      }),
    );
    const deltas = continued.filter((e) => e.event === 'message.output.delta');
    expect(deltas.length).toBeGreaterThan(0);
    for (const delta of deltas) expect(delta.data).toMatchObject({ agentId: billing.id });
    expect(continued.some((e) => e.event.startsWith('agent.handoff'))).toBe(false);
    await emu.checkResponses();
  });

  it('lets the target run a platform tool on the message it was handed, confirmations included', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const researcher = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Researcher',
      tools: [{ type: 'web_search', toolConfiguration: { requiresConfirmation: ['web_search'] } }],
    });
    const lead = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Lead',
      handoffs: [researcher.id],
    });
    const started = await client.beta.conversations.start({
      agentId: lead.id,
      inputs: 'Researcher: search the web for comet news',
      handoffExecution: 'client',
    });
    expect(started.outputs.map((o) => o.type)).toEqual(['agent.handoff']);
    const continued = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: {},
    });
    expect(continued.outputs).toHaveLength(1);
    const call = continued.outputs[0] as { toolCallId: string };
    expect(continued.outputs[0]).toMatchObject({
      type: 'function.call',
      name: 'web_search',
      agentId: researcher.id,
      confirmationStatus: 'pending',
    });
    const allowed = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: {
        toolConfirmations: [{ toolCallId: call.toolCallId, confirmation: 'allow' }],
      },
    });
    expect(allowed.outputs.map((o) => o.type)).toEqual(['tool.execution', 'message.output']);
    for (const output of allowed.outputs) expect(output).toMatchObject({ agentId: researcher.id });
    await emu.checkResponses();
  });
});
