import type { Usage } from '@mistral-flows/core';
import { assign, emit, fromCallback, sendTo, setup } from 'xstate';
import type { ConversationMessage } from '../machine/types.js';
import type {
  AgentStepInput,
  Handoff,
  TeamContext,
  TeamEmitted,
  TeamEvent,
  TeamMachineInput,
  TeamMessage,
  TeamStep,
} from './types.js';

const ZERO_USAGE: Usage = Object.freeze({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
export const DEFAULT_MAX_HANDOFFS = 3;

/** The id of the conversation that runs agent `agent`'s step `index` of turn `turn`. */
export function stepConversationId(teamId: string, turn: number, index: number, agent: string) {
  return `${teamId}/t${turn}.${index}.${agent}`;
}

/**
 * Where the step's agent may hand off to: the targets its handoffs list, except agents that have
 * answered in this turn already (no A -> B -> A), and none once the turn's cap is reached.
 */
export function handoffTargets(context: Pick<TeamContext, 'config' | 'step' | 'active'>) {
  const step = context.step;
  if (!step || step.handoffs >= context.config.maxHandoffs) return [];
  return (context.config.handoffs[step.agent] ?? []).filter((t) => !step.visited.includes(t));
}

/** The `agentStep` actor's input, from the context (a restored team rebuilds it from here). */
export function agentStepInput(context: TeamContext): AgentStepInput {
  const step = context.step!;
  const last = context.handoffs.at(-1);
  return {
    teamId: context.id,
    turn: context.turn,
    text: context.text ?? '',
    step,
    history: context.history,
    targets: handoffTargets(context),
    handedFrom: last && last.turn === context.turn && last.to === step.agent ? last : undefined,
  };
}

const label = (agent: string, messages: ConversationMessage[]): TeamMessage[] =>
  messages.map((m) => (m.role === 'assistant' || m.role === 'tool' ? { ...m, agent } : m));

const addUsage = (a: Usage, b: Usage): Usage => ({
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens,
  totalTokens: a.totalTokens + b.totalTokens,
});

const notProvided = fromCallback<TeamEvent, AgentStepInput>(() => {
  throw new Error('The team machine\'s "agentStep" actor is not provided: use createAgentTeam()');
});

/**
 * An agent team as an XState actor: `idle` -> `running` (one agent answers the user's message,
 * in a conversation of its own) -> `idle`. When the agent hands off, the team moves the turn to
 * the target (`handoff`), which answers the same message; each agent answers at most once per
 * turn and at most `maxHandoffs` handoffs happen per turn, after which the agent in charge is not
 * offered handoffs and must answer. A failed step goes to `failed` (`user.retry` runs it again).
 * Approvals of the step's tools are forwarded to it. The context is JSON-serialisable and holds
 * the whole history with the agent that wrote each message.
 */
export const agentTeamMachine = setup({
  types: {
    context: {} as TeamContext,
    events: {} as TeamEvent,
    input: {} as TeamMachineInput,
    emitted: {} as TeamEmitted,
  },
  actors: { agentStep: notProvided },
  guards: {
    canHandOff: ({ context, event }) =>
      event.type === 'step.handoff' && handoffTargets(context).includes(event.to),
  },
  actions: {
    startTurn: assign(({ context, event }) => {
      if (event.type !== 'user.send') return {};
      const turn = context.turn + 1;
      const step: TeamStep = {
        agent: context.active,
        conversationId: stepConversationId(context.id, turn, 0, context.active),
        visited: [context.active],
        handoffs: 0,
      };
      return {
        turn,
        text: event.text,
        step,
        lastError: undefined,
        history: [...context.history, { role: 'user' as const, content: event.text }],
        settled: context.settled + 1,
      };
    }),
    emitTurnStart: emit(({ context }) => ({
      type: 'turn-start' as const,
      turn: context.turn,
      agent: context.active,
      text: context.text ?? '',
    })),
    handOff: assign(({ context, event }) => {
      if (event.type !== 'step.handoff') return {};
      const step = context.step!;
      const handoff: Handoff = {
        turn: context.turn,
        from: step.agent,
        to: event.to,
        reason: event.reason,
      };
      const index = step.handoffs + 1;
      return {
        active: event.to,
        history: [...context.history, ...label(step.agent, event.messages)],
        handoffs: [...context.handoffs, handoff],
        step: {
          agent: event.to,
          conversationId: stepConversationId(context.id, context.turn, index, event.to),
          visited: [...step.visited, event.to],
          handoffs: index,
        },
        settled: context.settled + 1,
      };
    }),
    emitHandoff: emit(({ context }) => ({
      type: 'handoff' as const,
      handoff: context.handoffs.at(-1)!,
    })),
    endTurn: assign(({ context, event }) => {
      if (event.type !== 'step.answer') return {};
      const step = context.step!;
      const handoffs = context.handoffs.filter((h) => h.turn === context.turn);
      // The agent was not offered its handoffs because the turn's cap was reached.
      const capped =
        step.handoffs >= context.config.maxHandoffs &&
        (context.config.handoffs[step.agent]?.length ?? 0) > 0;
      return {
        history: [...context.history, ...label(step.agent, event.messages)],
        step: undefined,
        text: undefined,
        usage: addUsage(context.usage, event.turn.usage),
        lastTurn: {
          turn: context.turn,
          agent: step.agent,
          text: event.turn.text,
          handoffs,
          final: event.turn,
          ...(capped ? { stopReason: 'handoff_limit' as const } : {}),
          usage: event.turn.usage,
        },
        settled: context.settled + 1,
      };
    }),
    emitTurnEnd: emit(({ context }) => ({ type: 'turn-end' as const, turn: context.lastTurn! })),
    fail: assign(({ context, event }) =>
      event.type === 'step.error' ? { lastError: event.error, settled: context.settled + 1 } : {},
    ),
    emitError: emit(({ event }) => ({
      type: 'turn-error' as const,
      error:
        event.type === 'step.error'
          ? event.error
          : { code: 'unknown', message: 'unknown', retryable: false },
    })),
    emitApproval: emit(({ context, event }) =>
      event.type === 'step.approval'
        ? {
            type: 'approval-required' as const,
            agent: context.step?.agent ?? context.active,
            callId: event.callId,
            name: event.name,
            arguments: event.arguments,
          }
        : { type: 'approval-required' as const, agent: '', callId: '', name: '', arguments: '' },
    ),
    forwardToStep: sendTo('step', ({ event }) => event),
  },
}).createMachine({
  id: 'agentTeam',
  context: ({ input }) => ({
    id: input.id,
    config: {
      entry: input.entry,
      handoffs: input.handoffs,
      maxHandoffs: input.maxHandoffs ?? DEFAULT_MAX_HANDOFFS,
    },
    active: input.entry,
    turn: 0,
    text: undefined,
    history: [],
    handoffs: [],
    step: undefined,
    lastTurn: undefined,
    lastError: undefined,
    usage: ZERO_USAGE,
    settled: 0,
  }),
  initial: 'idle',
  on: { 'user.close': '.closed' },
  states: {
    idle: {
      on: {
        'user.send': { target: 'running', actions: ['startTurn', 'emitTurnStart'] },
        // A team restored in the middle of a step continues it.
        'team.resume': { guard: ({ context }) => context.step !== undefined, target: 'running' },
      },
    },
    running: {
      invoke: {
        id: 'step',
        src: 'agentStep',
        input: ({ context }) => agentStepInput(context),
      },
      on: {
        'step.handoff': [
          {
            guard: 'canHandOff',
            target: 'running',
            reenter: true,
            actions: ['handOff', 'emitHandoff'],
          },
          // Not a target the agent was offered: its step ends without an answer.
          {
            target: 'failed',
            actions: [
              assign(({ context, event }) => ({
                lastError: {
                  code: 'handoff_refused',
                  message: `Agent "${context.step?.agent}" handed off to "${event.to}", which it may not hand off to now`,
                  retryable: false,
                },
                settled: context.settled + 1,
              })),
              emit(({ context }) => ({ type: 'turn-error' as const, error: context.lastError! })),
            ],
          },
        ],
        'step.answer': { target: 'idle', actions: ['endTurn', 'emitTurnEnd'] },
        'step.error': { target: 'failed', actions: ['fail', 'emitError'] },
        'step.approval': { actions: 'emitApproval' },
        'tool.approve': { actions: 'forwardToStep' },
        'tool.reject': { actions: 'forwardToStep' },
      },
    },
    failed: {
      on: {
        'user.retry': {
          target: 'running',
          actions: assign(({ context }) => ({
            lastError: undefined,
            // The failed step's conversation is left as it is; the retry starts a fresh one.
            step: context.step && {
              ...context.step,
              conversationId: `${context.step.conversationId}.r${context.settled}`,
            },
            settled: context.settled + 1,
          })),
        },
      },
    },
    closed: { type: 'final' },
  },
});
