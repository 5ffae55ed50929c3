import { createClient, MemoryStore, type AgentEvents } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { EventBus } from '@mistral-flows/stream';
import { testWire, waitFor } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createConversation, type Conversation } from '../src/index.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const emulator = await startEmulator();
  cleanups.push(() => emulator.close());
  return createClient({ serverURL: emulator.url, wire: testWire() });
}

function open(...args: Parameters<typeof createConversation>): Conversation {
  const conversation = createConversation(...args);
  cleanups.push(() => conversation.close());
  return conversation;
}

describe.each([
  ['streamed', true],
  ['not streamed', false],
] as const)('server mode (%s)', (_label, streaming) => {
  it('follows a handoff made on the server: the answer names its agent and the bus carries agent:handoff', async () => {
    const client = await setup();
    const billing = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Billing',
    });
    const triage = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Triage',
      handoffs: [billing.id],
    });
    const bus = new EventBus<AgentEvents>();
    const handoffs: AgentEvents['agent:handoff'][] = [];
    bus.on('agent:handoff', (e) => handoffs.push(e));
    const chat = open({
      client,
      agentId: triage.id,
      mode: 'server',
      store: new MemoryStore(),
      bus,
      streaming,
    });
    const turn = await chat.send('Billing please: my invoice is wrong');
    expect(turn.text.length).toBeGreaterThan(0);
    expect(handoffs).toEqual([{ conversationId: chat.id, from: 'Triage', to: 'Billing' }]);
    const answer = chat.history().at(-1);
    expect(answer).toMatchObject({
      role: 'assistant',
      author: { agentId: billing.id, agentName: 'Billing' },
    });
    // The next turn without a handoff is the conversation's own agent's: no author.
    await chat.send('Thanks');
    expect(chat.history().at(-1)).not.toHaveProperty('author');
    expect(handoffs).toHaveLength(1);
  });

  it.each(['allow', 'deny'] as const)(
    'holds a platform tool that requires confirmation until the user decides (%s)',
    async (decision) => {
      const client = await setup();
      const agent = await client.beta.agents.create({
        model: 'mistral-medium-latest',
        name: 'Cautious',
        tools: [
          { type: 'web_search', toolConfiguration: { requiresConfirmation: ['web_search'] } },
        ],
      });
      const chat = open({
        client,
        agentId: agent.id,
        mode: 'server',
        store: new MemoryStore(),
        streaming,
      });
      const requests: Array<{ callId: string; name: string }> = [];
      chat.actor.on('approval-required', (e) => requests.push(e));
      const turn = chat.send('Search the web for comet news');
      await waitFor(() => chat.state() === 'awaitingApproval', {
        what: 'the pending confirmation',
      });
      expect(requests).toMatchObject([{ name: 'web_search' }]);
      if (decision === 'allow') chat.approve(requests[0]!.callId);
      else chat.reject(requests[0]!.callId, 'not now');
      const done = await turn;
      const tool = chat.history().find((m) => m.role === 'tool');
      expect(tool).toMatchObject({ role: 'tool', name: 'web_search', confirmation: decision });
      if (decision === 'allow') expect(done.text).toContain('3 web results');
      else expect(done.text).not.toContain('web results');
      // The platform ran the tool (or not): nothing ran here, and the conversation goes on.
      expect(chat.state()).toBe('idle');
      expect((await chat.send('Thanks')).text.length).toBeGreaterThan(0);
    },
  );
});
