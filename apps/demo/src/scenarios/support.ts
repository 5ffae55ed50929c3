import { createAgentTeam, defineTool } from '@mistral-flows/agents';
import { MemoryStore } from '@mistral-flows/core';
import type { ScenarioRule } from '@mistral-flows/emulator';
import { z } from 'zod';
import { Checks, DEMO_MODELS, type DemoContext, type Scenario } from '../scenario.js';
import { formatDuration } from '../terminal/style.js';

const PROMPT = 'I was charged twice for order A-17, please refund the duplicate.';

/** Refunds issued, as the billing system would record them. */
const refunds: Array<{ order: string; amount: number }> = [];

const refundTool = defineTool({
  name: 'refund',
  description: 'Refund an amount of an order to the customer',
  parameters: z.object({ order: z.string(), amount: z.number().positive() }),
  // Money leaves the company: a human approves each refund.
  needsApproval: true,
  execute: ({ order, amount }) => {
    refunds.push({ order, amount });
    return `Refunded ${amount.toFixed(2)} EUR on order ${order}.`;
  },
});

const ANSWER =
  'I found the duplicate charge on order A-17 and refunded 49.90 EUR; it reaches your card ' +
  'within 3 to 5 business days.';

/** The emulator's rules tell the agents apart by their models (the demo's small and large). */
export function supportRules(models: { small: string; large: string }): ScenarioRule[] {
  return [
    {
      match: { lastUserMessage: 'charged twice', model: models.small, step: 1 },
      toolCalls: [{ name: 'transfer_to_billing', arguments: { reason: 'a double charge' } }],
    },
    {
      match: { lastUserMessage: 'charged twice', model: models.large, step: 1 },
      toolCalls: [{ name: 'refund', arguments: { order: 'A-17', amount: 49.9 } }],
    },
    { match: { lastUserMessage: 'charged twice', model: models.large, step: 2 }, text: ANSWER },
  ];
}

export const supportScenario: Scenario = {
  name: 'support',
  title: 'a support desk: triage hands off to billing, whose refund waits for approval',
  emulatorRules: supportRules(DEMO_MODELS),

  async run(context: DemoContext) {
    const { client, out } = context;
    const started = Date.now();
    refunds.length = 0;
    const models = { triage: context.models.small, billing: context.models.large };
    const team = createAgentTeam({
      client,
      id: 'support-desk',
      store: new MemoryStore(),
      agents: {
        triage: {
          model: models.triage,
          instructions: 'You are the first line of a support desk: route the customer.',
        },
        billing: {
          model: models.billing,
          instructions: 'You handle payments, invoices and refunds.',
          description: 'payments, invoices and refunds',
          tools: [refundTool],
        },
      },
      handoffs: { triage: ['billing'] },
      entry: 'triage',
      ...(context.inspect ? { inspect: context.inspect } : {}),
    });
    out.fieldTruncated('user', PROMPT);
    const approvals: string[] = [];
    team.actor.on('handoff', ({ handoff }) =>
      out.field(
        'handoff',
        `${out.style.bold(handoff.from)} -> ${out.style.bold(handoff.to)}  ${out.style.dim(handoff.reason ?? '')}`,
      ),
    );
    team.actor.on('approval-required', (event) => {
      approvals.push(event.name);
      out.field('approval', `${out.style.magenta(event.name)} ${event.arguments}: approved`);
      team.approve(event.callId);
    });
    const cancel = () => void team.close();
    context.signal.addEventListener('abort', cancel, { once: true });
    try {
      const turn = await team.send(PROMPT);
      // The emulator's answer is written by its scripted model, not by a real one.
      const scripted = context.backend === 'emulator' ? out.style.dim('(scripted) ') : '';
      out.fieldTruncated(turn.agent, `${scripted}${turn.text}`);
      context.report({ text: turn.text });
      out.field(
        'usage',
        `${turn.usage.totalTokens} tokens, ${turn.handoffs.length} handoff, ` +
          `${formatDuration(Date.now() - started)}`,
      );
      const checks = new Checks();
      checks.expect(turn.agent === 'billing', `billing did not answer (${turn.agent} did)`);
      checks.expect(turn.handoffs.length === 1, 'no handoff from triage to billing');
      checks.expect(approvals.includes('refund'), 'the refund did not ask for approval');
      checks.expect(refunds.length === 1, `${refunds.length} refunds were issued, not 1`);
      return checks.result({
        agent: turn.agent,
        handoffs: turn.handoffs,
        approvals,
        refunds: [...refunds],
        answer: turn.text,
        history: team.history().map((m) => ({ role: m.role, agent: m.agent })),
      });
    } finally {
      context.signal.removeEventListener('abort', cancel);
      await team.close();
    }
  },
};
