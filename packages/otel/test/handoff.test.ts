import { createConversation } from '@mistral-flows/agents';
import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../src/index.js';
import { idOf, otelHarness, parentOf } from './support.js';

describe('createTelemetry with a server-side handoff', () => {
  it('records the handoff as an event of the turn, named after the agent, in server mode', async () => {
    const emulator = await startEmulator();
    const otel = otelHarness();
    try {
      const client = createClient({ serverURL: emulator.url });
      const billing = await client.beta.agents.create({
        model: 'mistral-small-latest',
        name: 'Billing',
      });
      const triage = await client.beta.agents.create({
        model: 'mistral-medium-latest',
        name: 'Triage',
        handoffs: [billing.id],
      });
      const telemetry = createTelemetry({
        ...otel,
        agentName: ({ agentId }) => (agentId === triage.id ? 'Triage' : undefined),
      });
      const chat = createConversation({
        client,
        agentId: triage.id,
        mode: 'server',
        store: new MemoryStore(),
        inspect: telemetry.inspect,
      });
      try {
        await chat.send('Billing please: my invoice is wrong');
      } finally {
        await chat.close();
      }
      const spans = otel.finished();
      const turn = spans.find((s) => s.name === 'invoke_agent Triage')!;
      expect(turn.attributes).toMatchObject({
        'gen_ai.agent.name': 'Triage',
        'gen_ai.agent.id': triage.id,
        'gen_ai.conversation.id': chat.id,
      });
      const handoff = turn.events.find((e) => e.name === 'handoff');
      expect(handoff?.attributes).toEqual({
        'mistral_flows.handoff.from': 'Triage',
        'mistral_flows.handoff.to': 'Billing',
      });
      const call = spans.find((s) => s.name === 'chat')!;
      expect(parentOf(call)).toBe(idOf(turn));
      expect(call.attributes['gen_ai.agent.id']).toBe(triage.id);
    } finally {
      await otel.close();
      await emulator.close();
    }
  });
});
