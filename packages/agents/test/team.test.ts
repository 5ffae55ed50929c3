import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator, type ScenarioRule } from '@mistral-flows/emulator';
import { testWire, waitFor } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AgentsError,
  conversationKey,
  createAgentTeam,
  defineTool,
  resumeAgentTeam,
  type AgentTeam,
  type AgentTeamOptions,
  type PersistedConversation,
} from '../src/index.js';

const TRIAGE = 'mistral-small-latest';
const BILLING = 'mistral-large-latest';
const TECH = 'codestral-latest';
const fastBackoff = { initialDelayMs: 1, maxDelayMs: 5 };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emulator(scenarios: ScenarioRule[]) {
  const server = await startEmulator({ scenarios });
  cleanups.push(() => server.close());
  return createClient({ serverURL: server.url, wire: testWire() });
}

const transfer = (model: string, to: string, reason = `for ${to}`): ScenarioRule => ({
  match: { model, lastUserMessage: 'charged twice', step: 1 },
  toolCalls: [{ name: `transfer_to_${to}`, arguments: { reason } }],
});

function refundTool(runs: number[]) {
  return defineTool({
    name: 'refund',
    description: 'Refund an amount to the customer',
    parameters: z.object({ amount: z.number() }),
    needsApproval: true,
    execute: ({ amount }) => {
      runs.push(amount);
      return `refunded ${amount}`;
    },
  });
}

function team(options: Omit<AgentTeamOptions, 'store'> & { store?: MemoryStore }): AgentTeam {
  const created = createAgentTeam({ store: new MemoryStore(), backoff: fastBackoff, ...options });
  cleanups.push(() => created.close());
  return created;
}

describe('createAgentTeam', () => {
  it('hands a turn from triage to billing, whose refund waits for approval, and keeps who wrote what', async () => {
    const client = await emulator([
      transfer(TRIAGE, 'billing', 'a billing question'),
      {
        match: { model: BILLING, lastUserMessage: 'charged twice', step: 1 },
        toolCalls: [{ name: 'refund', arguments: { amount: 42 } }],
      },
    ]);
    const runs: number[] = [];
    const store = new MemoryStore();
    const support = team({
      client,
      store,
      agents: {
        triage: { model: TRIAGE, instructions: 'Route the customer to the right agent.' },
        billing: {
          model: BILLING,
          instructions: 'You handle payments.',
          description: 'payments and refunds',
          tools: [refundTool(runs)],
        },
      },
      handoffs: { triage: ['billing'] },
      entry: 'triage',
    });
    const handoffs: string[] = [];
    support.actor.on('handoff', ({ handoff }) => handoffs.push(`${handoff.from}->${handoff.to}`));
    const turn = support.send('I was charged twice');
    await waitFor(() => support.pendingApprovals().length === 1, { what: 'the refund approval' });
    expect(support.activeAgent()).toBe('billing');
    expect(support.pendingApprovals()[0]).toMatchObject({ agent: 'billing', name: 'refund' });
    expect(runs).toEqual([]);
    support.approve(support.pendingApprovals()[0]!.callId);
    const done = await turn;

    expect(runs).toEqual([42]);
    expect(handoffs).toEqual(['triage->billing']);
    expect(done).toMatchObject({
      turn: 1,
      agent: 'billing',
      handoffs: [{ turn: 1, from: 'triage', to: 'billing', reason: 'a billing question' }],
    });
    expect(done.text.length).toBeGreaterThan(0);
    expect(done.final.toolResults).toMatchObject([{ name: 'refund', ok: true }]);
    // The history says who wrote each message; the handoff call itself is not in it.
    const history = support.history();
    expect(history[0]).toEqual({ role: 'user', content: 'I was charged twice' });
    expect(history.slice(1).map((m) => `${m.role}:${m.agent}`)).toEqual([
      'assistant:billing',
      'tool:billing',
      'assistant:billing',
    ]);
    // Billing answers the next message directly.
    const next = await support.send('Thanks, and when will I see it?');
    expect(next).toMatchObject({ turn: 2, agent: 'billing', handoffs: [] });
  });

  it("shows each agent's conversation as a child of the team to an inspector", async () => {
    const client = await emulator([transfer(TRIAGE, 'billing')]);
    const actors: Array<{ id: string; parent: unknown; ref: unknown }> = [];
    const support = team({
      client,
      id: 'inspected',
      agents: {
        triage: { model: TRIAGE, instructions: 'Route.' },
        billing: { model: BILLING, instructions: 'Payments.' },
      },
      handoffs: { triage: ['billing'] },
      entry: 'triage',
      inspect: (event) => {
        if (event.type !== '@xstate.actor') return;
        const ref = event.actorRef as unknown as { id: string; _parent?: unknown };
        actors.push({ id: ref.id, parent: ref._parent, ref });
      },
    });
    await support.send('I was charged twice');
    const teamRef = actors.find((a) => a.id === 'team:inspected')!.ref;
    const ancestors = (ref: unknown): unknown[] => {
      const parent = (ref as { _parent?: unknown })._parent;
      return parent ? [parent, ...ancestors(parent)] : [];
    };
    const conversations = actors.filter((a) => a.id.startsWith('conversation:inspected/'));
    expect(conversations.map((c) => c.id)).toEqual([
      'conversation:inspected/t1.0.triage',
      'conversation:inspected/t1.1.billing',
    ]);
    for (const c of conversations) expect(ancestors(c.ref)).toContain(teamRef);
    // Each step's conversation has ended with its step: none is left running.
    const status = (ref: unknown) =>
      (ref as { getSnapshot(): { status: string } }).getSnapshot().status;
    await waitFor(() => conversations.every((c) => status(c.ref) === 'done'), {
      what: "the steps' conversations to end",
    });
  });

  it('never asks an agent twice in one turn and stops handing off at maxHandoffs', async () => {
    const client = await emulator([
      transfer(TRIAGE, 'billing'),
      transfer(BILLING, 'tech'),
      transfer(TECH, 'triage'),
    ]);
    const agents = {
      triage: { model: TRIAGE, instructions: 'Route.' },
      billing: { model: BILLING, instructions: 'Payments.' },
      tech: { model: TECH, instructions: 'Technical problems.' },
    };
    const handoffs = { triage: ['billing', 'tech'], billing: ['tech', 'triage'], tech: ['triage'] };
    // A -> B -> C, then C may not go back to A: it answers, and its call of the tool it was not
    // given is reported to it as an unknown tool.
    const ring = team({ client, agents, handoffs, entry: 'triage' });
    const turn = await ring.send('I was charged twice');
    expect(turn.handoffs.map((h) => `${h.from}->${h.to}`)).toEqual([
      'triage->billing',
      'billing->tech',
    ]);
    expect(turn.agent).toBe('tech');
    expect(turn.final.toolResults).toMatchObject([
      { name: 'transfer_to_triage', ok: false, failure: 'unknown_tool' },
    ]);

    const capped = team({ client, agents, handoffs, entry: 'triage', maxHandoffs: 1 });
    const short = await capped.send('I was charged twice');
    expect(short.handoffs.map((h) => h.to)).toEqual(['billing']);
    expect(short).toMatchObject({ agent: 'billing', stopReason: 'handoff_limit' });
  });

  it('gives the target the history its policy lets through', async () => {
    const client = await emulator([
      {
        match: { model: TRIAGE, lastUserMessage: 'look it up', step: 1 },
        toolCalls: [{ name: 'lookup', arguments: {} }],
      },
      transfer(TRIAGE, 'billing'),
    ]);
    const lookup = defineTool({
      name: 'lookup',
      description: 'Look the customer up',
      parameters: z.object({}),
      execute: () => 'customer 7',
    });
    for (const policy of ['all', 'summary'] as const) {
      const store = new MemoryStore();
      const support = team({
        client,
        store,
        history: policy,
        agents: {
          triage: { model: TRIAGE, instructions: 'Route.', tools: [lookup] },
          billing: { model: BILLING, instructions: 'Payments.' },
        },
        handoffs: { triage: ['billing'] },
        entry: 'triage',
        id: `policy-${policy}`,
      });
      await support.send('look it up');
      await support.send('I was charged twice');
      const step = await store.get<PersistedConversation>(
        conversationKey(`policy-${policy}/t2.1.billing`),
      );
      const messages = (
        step!.value.snapshot as unknown as {
          context: { messages: Array<{ role: string; content: string }> };
        }
      ).context.messages;
      const roles = messages.map((m) => m.role);
      if (policy === 'all') {
        expect(roles).toEqual(['user', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
      } else {
        expect(roles).toEqual(['user', 'assistant', 'user', 'assistant']);
        expect(messages[1]!.content).toMatch(/^\[triage\] /);
      }
    }
  });

  it('is stored after every step and resumed by id, with its history and the agent in charge', async () => {
    const client = await emulator([transfer(TRIAGE, 'billing')]);
    const store = new MemoryStore();
    const options = {
      client,
      store,
      backoff: fastBackoff,
      agents: {
        triage: { model: TRIAGE, instructions: 'Route.' },
        billing: { model: BILLING, instructions: 'Payments.' },
      },
      handoffs: { triage: ['billing'] },
      entry: 'triage',
    };
    const first = createAgentTeam({ ...options, id: 'desk-1' });
    await first.send('I was charged twice');
    await first.close();
    const again = await resumeAgentTeam('desk-1', options);
    cleanups.push(() => again.close());
    expect(again.activeAgent()).toBe('billing');
    expect(again.history()).toEqual(first.history());
    expect(await again.send('and now?')).toMatchObject({ turn: 2, agent: 'billing' });
    // Creating over a stored team is refused, its record untouched.
    const clash = createAgentTeam({ ...options, id: 'desk-1' });
    await expect(clash.send('hello')).rejects.toMatchObject({ code: 'conversation_exists' });
  });

  it('fails a turn whose agent fails, refuses new messages until retry(), and then answers', async () => {
    const client = await emulator([
      {
        match: { lastUserMessage: 'boom', model: TRIAGE },
        error: { status: 400, message: 'refused' },
        times: 1,
      },
    ]);
    const support = team({
      client,
      agents: { triage: { model: TRIAGE, instructions: 'Route.' } },
      handoffs: {},
      entry: 'triage',
    });
    await expect(support.send('boom')).rejects.toMatchObject({ code: 'conversation_failed' });
    expect(support.state()).toBe('failed');
    await expect(support.send('again')).rejects.toMatchObject({
      code: 'conversation_failed',
      message: expect.stringContaining('retry()'),
    });
    const answered = support.waitForTurn();
    support.retry();
    expect(await answered).toMatchObject({ turn: 1, agent: 'triage' });
    expect(support.state()).toBe('idle');
  });

  it('refuses a team whose handoffs name an unknown agent or whose cap is not a whole number', async () => {
    const client = createClient({ serverURL: 'http://127.0.0.1:9', wire: testWire() });
    const agents = { a: { model: TRIAGE }, b: { model: BILLING } };
    const invalid = (options: Partial<AgentTeamOptions>) => {
      try {
        createAgentTeam({
          client,
          agents,
          handoffs: {},
          entry: 'a',
          store: new MemoryStore(),
          ...options,
        });
      } catch (error) {
        return error;
      }
      throw new Error('expected a typed error');
    };
    expect(invalid({ handoffs: { a: ['c'] } })).toMatchObject({
      code: 'team_invalid',
      message: expect.stringContaining('unknown agent "c"'),
    });
    expect(invalid({ entry: 'z' })).toMatchObject({ code: 'team_invalid' });
    expect(invalid({ handoffs: { a: ['b'], b: ['a'] }, maxHandoffs: Infinity })).toMatchObject({
      code: 'team_invalid',
      message: expect.stringContaining('a cycle of handoffs needs a cap'),
    });
    expect(invalid({ handoffs: { a: ['a'] } })).toBeInstanceOf(AgentsError);
  });
});
