import { describe, expect, it } from 'vitest';
import { fromCallback, type SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { agentTeamMachine, handoffTargets } from './team-machine.js';
import type { AgentStepInput, TeamEvent } from './types.js';

const AGENTS = ['triage', 'billing', 'tech'];
const HANDOFFS = { triage: ['billing', 'tech'], billing: ['triage', 'tech'], tech: ['triage'] };
const MAX_HANDOFFS = 2;

// The machine alone: the step actor is a stand-in that does nothing, the events below play it.
const machine = agentTeamMachine.provide({
  actors: { agentStep: fromCallback<TeamEvent, AgentStepInput>(() => undefined) },
});
type Snapshot = SnapshotFrom<typeof machine>;

const turn = {
  turn: 1,
  text: 'done',
  finishReason: 'stop',
  steps: 1,
  toolResults: [],
  usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
};

/** User actions always; in `running`, a handoff to every agent (allowed or not), an answer, an error. */
function eventsFor(snapshot: Snapshot): TeamEvent[] {
  const events: TeamEvent[] = [
    { type: 'user.send', text: 'hi' },
    { type: 'user.retry' },
    { type: 'user.close' },
  ];
  if (snapshot.matches('running')) {
    for (const to of [...AGENTS, 'nobody']) events.push({ type: 'step.handoff', to, messages: [] });
    events.push(
      { type: 'step.answer', turn, messages: [{ role: 'assistant', content: 'done' }] },
      { type: 'step.error', error: { code: 'server', message: '500', retryable: true } },
    );
  }
  return events;
}

const serializeState = (s: Snapshot) =>
  JSON.stringify({
    value: s.value,
    status: s.status,
    active: s.context.active,
    step: s.context.step && [s.context.step.agent, s.context.step.visited, s.context.step.handoffs],
    // Turns repeat the same shape: one past the first is enough.
    turn: Math.min(s.context.turn, 2),
  });

const options = {
  input: { id: 'model', entry: 'triage', handoffs: HANDOFFS, maxHandoffs: MAX_HANDOFFS },
  events: eventsFor,
  serializeState,
};

const pathText = (steps: Array<{ event: TeamEvent }>) =>
  steps
    .map((s) => (s.event.type === 'step.handoff' ? `handoff:${s.event.to}` : s.event.type))
    .join(' -> ');

describe('agentTeamMachine (model-based)', () => {
  const paths = getShortestPaths(machine, options);

  it('explores every state and every agent', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    for (const state of ['idle', 'running', 'failed', 'closed']) expect(reached).toContain(state);
    const answering = new Set(paths.map((p) => p.state.context.step?.agent).filter(Boolean));
    expect([...answering].sort()).toEqual([...AGENTS].sort());
    expect(paths.length).toBeGreaterThan(20);
  });

  it('on every path, the agent in charge exists and was reached by an allowed handoff', () => {
    for (const path of paths) {
      for (const { state } of path.steps) {
        expect(AGENTS, pathText(path.steps)).toContain(state.context.active);
        const step = state.context.step;
        if (!step) continue;
        expect(step.agent).toBe(state.context.active);
        for (const handoff of state.context.handoffs.filter((h) => h.turn === state.context.turn)) {
          expect(HANDOFFS[handoff.from as keyof typeof HANDOFFS]).toContain(handoff.to);
        }
      }
    }
  });

  it('holds the cap: no more than maxHandoffs per turn, and no agent answers twice in one turn', () => {
    for (const path of paths) {
      const { context } = path.state;
      const perTurn = new Map<number, number>();
      for (const h of context.handoffs) perTurn.set(h.turn, (perTurn.get(h.turn) ?? 0) + 1);
      for (const count of perTurn.values()) expect(count).toBeLessThanOrEqual(MAX_HANDOFFS);
      if (context.step) {
        expect(new Set(context.step.visited).size).toBe(context.step.visited.length);
        expect(context.step.handoffs).toBeLessThanOrEqual(MAX_HANDOFFS);
        if (context.step.handoffs === MAX_HANDOFFS) expect(handoffTargets(context)).toEqual([]);
      }
    }
  });

  it('can reach idle or a final state from every reachable state', () => {
    for (const path of paths) {
      if (path.state.status === 'done' || path.state.matches('idle')) continue;
      const onwards = getShortestPaths(machine, {
        ...options,
        fromState: path.state,
        toState: (s) => s.matches('idle') || s.status === 'done',
      });
      expect(onwards.length, `stuck after ${pathText(path.steps)}`).toBeGreaterThan(0);
    }
  });
});
