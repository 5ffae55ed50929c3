import { createAgentTeam } from '@mistral-flows/agents';
import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../src/index.js';
import { otelHarness } from './support.js';

const TRIAGE = 'mistral-small-latest';
const BILLING = 'mistral-medium-latest';

describe('createTelemetry with an agent team', () => {
  it('records a handoff between the team agents as an event of the turn that handed off', async () => {
    const emulator = await startEmulator({
      scenarios: [
        {
          match: { model: TRIAGE, lastUserMessage: 'charged twice', step: 1 },
          toolCalls: [{ name: 'transfer_to_billing', arguments: { reason: 'a billing question' } }],
        },
      ],
    });
    const otel = otelHarness();
    try {
      const telemetry = createTelemetry({ ...otel });
      const team = createAgentTeam({
        client: createClient({ serverURL: emulator.url }),
        store: new MemoryStore(),
        agents: {
          triage: { model: TRIAGE, instructions: 'Route the customer.' },
          billing: { model: BILLING, instructions: 'You handle payments.' },
        },
        handoffs: { triage: ['billing'] },
        entry: 'triage',
        inspect: telemetry.inspect,
      });
      try {
        const turn = await team.send('I was charged twice');
        expect(turn.agent).toBe('billing');
      } finally {
        await team.close();
      }
      const turns = otel.finished().filter((s) => s.name.startsWith('invoke_agent'));
      const triage = turns.find((s) => s.attributes['gen_ai.request.model'] === TRIAGE)!;
      const billing = turns.find((s) => s.attributes['gen_ai.request.model'] === BILLING)!;
      expect(triage.events.filter((e) => e.name === 'handoff').map((e) => e.attributes)).toEqual([
        { 'mistral_flows.handoff.from': 'triage', 'mistral_flows.handoff.to': 'billing' },
      ]);
      expect(billing.events.some((e) => e.name === 'handoff')).toBe(false);
    } finally {
      await otel.close();
      await emulator.close();
    }
  });
});
