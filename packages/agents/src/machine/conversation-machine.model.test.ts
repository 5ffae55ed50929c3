import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import { conversationMachine, type ConversationSnapshot } from './conversation-machine.js';
import type { ConversationEvent } from './types.js';

type Event = ConversationEvent | { type: 'user.close' };

const result = (callId: string) => ({
  type: 'tool.result' as const,
  result: { callId, name: 'lookup', ok: true, content: 'ok', durationMs: 1 },
});

/** The events worth trying in a snapshot: user actions always, model and tool events where they mean something. */
function eventsFor(snapshot: ConversationSnapshot): Event[] {
  const events: Event[] = [
    { type: 'user.send', text: 'hi' },
    { type: 'user.cancel' },
    { type: 'user.retry' },
    { type: 'user.reset' },
    { type: 'user.close' },
  ];
  const { context } = snapshot;
  if (snapshot.matches('responding')) {
    const call = (id: string, needsApproval: boolean) => ({
      id,
      name: 'lookup',
      arguments: '{"id":"1"}',
      needsApproval,
    });
    events.push(
      { type: 'model.delta', text: 'x' },
      { type: 'model.end', text: 'done', finishReason: 'stop', usage: undefined, toolCalls: [] },
      {
        type: 'model.end',
        text: '',
        finishReason: 'tool_calls',
        usage: undefined,
        toolCalls: [call(`c${context.current.steps}`, false)],
      },
      {
        type: 'model.end',
        text: '',
        finishReason: 'tool_calls',
        usage: undefined,
        toolCalls: [call(`a${context.current.steps}`, true)],
      },
      {
        type: 'model.error',
        error: { code: 'server', message: '500', status: 500, retryable: true },
      },
      {
        type: 'model.error',
        error: { code: 'invalid_request', message: '422', status: 422, retryable: false },
      },
    );
  }
  for (const c of context.pendingCalls) {
    if (snapshot.matches('awaitingApproval')) {
      events.push(
        { type: 'tool.approve', callId: c.id },
        { type: 'tool.reject', callId: c.id, reason: 'no' },
      );
    }
    if (snapshot.matches('runningTools') && !c.result) events.push(result(c.id));
  }
  return events;
}

/** What makes two snapshots different for this model: the state and the loop-relevant context. */
const serializeState = (s: ConversationSnapshot) =>
  JSON.stringify({
    value: s.value,
    status: s.status,
    toolRounds: s.context.current.toolRounds,
    finalAnswerOnly: s.context.current.finalAnswerOnly,
    retry: s.context.current.retryAttempt,
    previous: s.context.current.previousCallSignature !== undefined,
    calls: s.context.pendingCalls.map((c) => [
      c.needsApproval,
      c.decision ?? null,
      c.result ? 1 : 0,
    ]),
  });

const options = {
  input: { id: 'model', maxSteps: 2, maxRetries: 1 },
  events: eventsFor,
  serializeState,
};

describe('conversationMachine (model-based)', () => {
  const paths = getShortestPaths(conversationMachine, options);

  it('explores every state of the machine', () => {
    const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));
    for (const state of [
      'idle',
      'responding',
      'awaitingApproval',
      'runningTools',
      'retrying',
      'failed',
      'closed',
    ]) {
      expect(reached, state).toContain(JSON.stringify(state));
    }
    expect(paths.length).toBeGreaterThan(20);
  });

  it('enters runningTools only with calls still to run, and checkingCalls never settles', () => {
    for (const path of paths) {
      for (const step of path.steps) {
        const s = step.state;
        expect(s.matches('checkingCalls')).toBe(false);
        if (s.matches('runningTools')) {
          expect(
            s.context.pendingCalls.some((c) => !c.result),
            `path ${pathText(path.steps)}`,
          ).toBe(true);
          expect(
            s.context.pendingCalls.every((c) => !c.needsApproval || c.decision !== undefined),
          ).toBe(true);
        }
      }
    }
  });

  it('never runs a tool round past the step limit', () => {
    for (const path of paths) expect(path.state.context.current.toolRounds).toBeLessThanOrEqual(2);
  });

  it('can reach idle or a final state from every reachable state', () => {
    for (const path of paths) {
      if (path.state.status === 'done' || path.state.matches('idle')) continue;
      const onwards = getShortestPaths(conversationMachine, {
        ...options,
        fromState: path.state,
        toState: (s) => s.matches('idle') || s.status === 'done',
      });
      expect(onwards.length, `stuck after ${pathText(path.steps)}`).toBeGreaterThan(0);
    }
  });

  it('keeps a valid history: every assistant tool call is answered by a tool message before the next model call', () => {
    for (const path of paths) {
      const s = path.state;
      if (!s.matches('responding') && !s.matches('idle')) continue;
      const messages = s.context.messages;
      messages.forEach((m, i) => {
        if (m.role !== 'assistant' || !m.toolCalls?.length) return;
        const answers = messages.slice(i + 1, i + 1 + m.toolCalls.length);
        expect(answers.map((a) => (a.role === 'tool' ? a.toolCallId : a.role))).toEqual(
          m.toolCalls.map((c) => c.id),
        );
      });
    }
  });
});

function pathText(steps: Array<{ event: { type: string } }>): string {
  return steps.map((s) => s.event.type).join(' -> ');
}
