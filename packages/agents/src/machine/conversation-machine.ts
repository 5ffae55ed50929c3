import { backoffDelay, type Usage } from '@mistral-flows/core';
import {
  assign,
  emit,
  enqueueActions,
  fromCallback,
  setup,
  type ActorRefFrom,
  type EventObject,
  type SnapshotFrom,
} from 'xstate';
import type { ToolCallResult } from '../tools/run-tool-call.js';
import type {
  ConversationContext,
  ConversationEmitted,
  ConversationEvent,
  ConversationMachineInput,
  ConversationMessage,
  ModelTurnInput,
  PendingCall,
  RunToolsInput,
  TurnProgress,
} from './types.js';

/** Shared, frozen starting values: the context is replaced, never mutated, so they can be shared. */
const ZERO_USAGE: Usage = Object.freeze({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });
const NONE: never[] = Object.freeze([]) as unknown as never[];
const DEFAULT_BACKOFF = Object.freeze({ initialDelayMs: 500, maxDelayMs: 30_000 });
const zeroUsage = (): Usage => ZERO_USAGE;
/** Before the first turn: one frozen object shared by every conversation. */
const NO_TURN: TurnProgress = Object.freeze({
  stream: true,
  toolRounds: 0,
  steps: 0,
  results: NONE,
  finalAnswerOnly: false,
  stopReason: undefined,
  previousCallSignature: undefined,
  retryAttempt: 0,
  retryDelayMs: 0,
  usage: ZERO_USAGE,
});
const addUsage = (a: Usage, b: Usage | undefined): Usage =>
  b
    ? {
        promptTokens: a.promptTokens + b.promptTokens,
        completionTokens: a.completionTokens + b.completionTokens,
        totalTokens: a.totalTokens + b.totalTokens,
      }
    : a;

/** Calls of one step, order-independent, to spot a model repeating itself. */
const signatureOf = (calls: ReadonlyArray<{ name: string; arguments: string }>) =>
  calls
    .map((c) => `${c.name}(${normaliseJson(c.arguments)})`)
    .sort()
    .join('|');

function normaliseJson(text: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text.trim();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/** Tool messages for calls that will not run, so the history stays valid for the API. */
function closeCalls(
  calls: PendingCall[],
  content: string,
  failure: ToolCallResult['failure'],
): ToolCallResult[] {
  return calls
    .filter((c) => !c.result)
    .map((c) => ({ callId: c.id, name: c.name, ok: false, content, failure, durationMs: 0 }));
}

function toolMessages(calls: PendingCall[], extra: ToolCallResult[] = []): ConversationMessage[] {
  const byId = new Map(extra.map((r) => [r.callId, r]));
  return calls.map((call) => {
    const result = call.result ?? byId.get(call.id);
    const message: ConversationMessage = {
      role: 'tool',
      toolCallId: call.id,
      name: call.name,
      content: result?.content ?? 'No result.',
    };
    // A platform call not decided (cancelled, skipped) is denied: the server must not run it.
    if (call.platform) message.confirmation = result?.confirmation ?? 'deny';
    return message;
  });
}

/**
 * The `modelTurn` actor's input: everything follows from the context, which is why persisted
 * snapshots leave children's inputs out and a resumed conversation rebuilds them from here.
 */
export function modelTurnInput(context: ConversationContext): ModelTurnInput {
  return {
    conversationId: context.id,
    mode: context.config.mode,
    agentId: context.config.agentId,
    model: context.config.model,
    instructions: context.config.instructions,
    messages: context.messages,
    serverConversationId: context.serverConversationId,
    unsynced: context.messages.slice(context.serverSynced),
    toolChoice: context.current.finalAnswerOnly ? 'none' : 'auto',
    stream: context.current.stream,
  };
}

/** The `runTools` actor's input: the calls without a result that may run (approved if needed). */
export function runToolsInput(context: ConversationContext): RunToolsInput {
  return {
    conversationId: context.id,
    calls: context.pendingCalls.filter(
      (c) => !c.result && !c.platform && (!c.needsApproval || c.decision === 'approved'),
    ),
  };
}

const notProvided = (name: string) =>
  fromCallback<EventObject, unknown>(() => {
    throw new Error(
      `The conversation machine's "${name}" actor is not provided: use createConversation()`,
    );
  });

/**
 * The conversation machine: one agent conversation as an XState actor.
 *
 * `idle` -> `responding` (a streamed model turn) -> `awaitingApproval` (only for tools that need
 * it) -> `runningTools` (parallel, each with its timeout) -> `responding` ... -> `idle`. A failed
 * model call goes to `retrying` (core's backoff, at least `Retry-After`) and, when retries run
 * out, to `failed`. A step limit and a detector of repeated identical calls stop tool loops: the
 * model is then asked once more, without tools, for a final answer. `user.cancel` aborts the
 * request in flight; `user.close` ends the actor.
 *
 * Side effects live in two named actors, `modelTurn` and `runTools`, provided by
 * `createConversation` (tests can `.provide()` their own). The context is JSON-serialisable, so
 * `getPersistedSnapshot()` can be stored and the actor resumed from it.
 */
export const conversationMachine = setup({
  types: {
    context: {} as ConversationContext,
    events: {} as ConversationEvent | { type: 'user.close' },
    input: {} as ConversationMachineInput,
    emitted: {} as ConversationEmitted,
  },
  actors: {
    modelTurn: notProvided('modelTurn') as unknown as ReturnType<
      typeof fromCallback<EventObject, ModelTurnInput>
    >,
    runTools: notProvided('runTools') as unknown as ReturnType<
      typeof fromCallback<EventObject, RunToolsInput>
    >,
  },
  delays: {
    retryDelay: ({ context }) => context.current.retryDelayMs,
  },
  guards: {
    hasToolCalls: ({ context, event }) =>
      event.type === 'model.end' && event.toolCalls.length > 0 && !context.current.finalAnswerOnly,
    repeatedCall: ({ context }) =>
      context.current.previousCallSignature !== undefined &&
      context.current.previousCallSignature === signatureOf(context.pendingCalls),
    stepLimitReached: ({ context }) => context.current.toolRounds >= context.config.maxSteps,
    needsApproval: ({ context }) =>
      context.pendingCalls.some((c) => c.needsApproval && c.decision === undefined),
    allDecided: ({ context }) =>
      context.pendingCalls.every((c) => !c.needsApproval || c.decision !== undefined),
    allResults: ({ context }) => context.pendingCalls.every((c) => c.result !== undefined),
    canRetry: ({ context, event }) => {
      if (event.type !== 'model.error') return false;
      const { error } = event;
      // The Conversations API stores what it received: re-send only what the server refused.
      const safe = context.config.mode === 'client' || error.status !== undefined;
      return error.retryable && safe && context.current.retryAttempt < context.config.maxRetries;
    },
    isPendingApproval: ({ context, event }) =>
      (event.type === 'tool.approve' || event.type === 'tool.reject') &&
      context.pendingCalls.some(
        (c) => c.id === event.callId && c.needsApproval && c.decision === undefined,
      ),
  },
  actions: {
    startTurn: assign(({ context, event }) => {
      if (event.type !== 'user.send') return {};
      return {
        messages: [...context.messages, { role: 'user' as const, content: event.text }],
        turn: context.turn + 1,
        streamingText: '',
        current: { ...NO_TURN, stream: event.stream ?? true },
        lastError: undefined,
        settled: context.settled + 1,
      };
    }),
    emitTurnStart: emit(({ context, event }) => ({
      type: 'turn-start' as const,
      turn: context.turn,
      text: event.type === 'user.send' ? event.text : '',
    })),
    appendStreamingText: assign(({ context, event }) =>
      event.type === 'model.delta' ? { streamingText: context.streamingText + event.text } : {},
    ),
    emitDelta: emit(({ event }) => ({
      type: 'text-delta' as const,
      text: event.type === 'model.delta' ? event.text : '',
    })),
    emitRestart: emit({ type: 'restart' as const }),
    resetStreamingText: assign({ streamingText: '' }),
    recordToolStep: assign(({ context, event }) => {
      if (event.type !== 'model.end') return {};
      const calls: PendingCall[] = event.toolCalls.map((c) => ({
        id: c.id,
        name: c.name,
        arguments: c.arguments,
        needsApproval: c.needsApproval,
        ...(c.platform ? { platform: true } : {}),
      }));
      const assistant: ConversationMessage = {
        role: 'assistant',
        content: event.text,
        toolCalls: calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })),
        ...(event.author ? { author: event.author } : {}),
      };
      const messages = [...context.messages, assistant];
      const { current } = context;
      return {
        messages,
        pendingCalls: calls,
        streamingText: '',
        usage: addUsage(context.usage, event.usage),
        current: {
          ...current,
          steps: current.steps + 1,
          usage: addUsage(current.usage, event.usage),
          retryAttempt: 0,
        },
        serverConversationId: event.serverConversationId ?? context.serverConversationId,
        serverSynced: context.config.mode === 'server' ? messages.length : context.serverSynced,
        settled: context.settled + 1,
      };
    }),
    emitToolCalls: enqueueActions(({ context, enqueue }) => {
      for (const c of context.pendingCalls) {
        enqueue.emit({
          type: 'tool-call',
          callId: c.id,
          name: c.name,
          arguments: c.arguments,
          needsApproval: c.needsApproval,
        });
      }
    }),
    recordAnswer: assign(({ context, event }) => {
      if (event.type !== 'model.end') return {};
      const messages: ConversationMessage[] = [
        ...context.messages,
        event.author
          ? { role: 'assistant', content: event.text, author: event.author }
          : { role: 'assistant', content: event.text },
      ];
      const { current } = context;
      const turnUsage = addUsage(current.usage, event.usage);
      const turn = {
        turn: context.turn,
        text: event.text,
        finishReason: event.finishReason,
        steps: current.steps + 1,
        toolResults: current.results,
        usage: turnUsage,
        ...(current.stopReason ? { stopReason: current.stopReason } : {}),
      };
      return {
        messages,
        streamingText: '',
        pendingCalls: NONE,
        usage: addUsage(context.usage, event.usage),
        current: { ...current, steps: turn.steps, usage: turnUsage, retryAttempt: 0 },
        lastTurn: turn,
        serverConversationId: event.serverConversationId ?? context.serverConversationId,
        serverSynced: context.config.mode === 'server' ? messages.length : context.serverSynced,
        settled: context.settled + 1,
      };
    }),
    emitTurnEnd: emit(({ context }) => ({ type: 'turn-end' as const, turn: context.lastTurn! })),
    emitHandoffs: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'model.end') return;
      for (const h of event.handoffs ?? [])
        enqueue.emit({ type: 'handoff', from: h.from, to: h.to });
    }),
    skipCallsForLimit: assign(({ context }) => {
      const { maxSteps } = context.config;
      const reason = context.current.toolRounds >= maxSteps ? 'step_limit' : 'repeated_tool_call';
      const content =
        reason === 'step_limit'
          ? `Not executed: the limit of ${maxSteps} tool rounds for this turn is reached. Answer with what you have.`
          : 'Not executed: this is the same call as the previous step. Answer with what you have.';
      const skipped = closeCalls(context.pendingCalls, content, 'skipped');
      return {
        messages: [...context.messages, ...toolMessages(context.pendingCalls, skipped)],
        pendingCalls: NONE,
        current: { ...context.current, finalAnswerOnly: true, stopReason: reason },
        settled: context.settled + 1,
      };
    }),
    approve: assign(({ context, event }) =>
      event.type === 'tool.approve'
        ? {
            pendingCalls: context.pendingCalls.map((c) =>
              c.id === event.callId ? { ...c, decision: 'approved' as const } : c,
            ),
            settled: context.settled + 1,
          }
        : {},
    ),
    reject: assign(({ context, event }) =>
      event.type === 'tool.reject'
        ? {
            pendingCalls: context.pendingCalls.map((c) =>
              c.id === event.callId
                ? { ...c, decision: 'rejected' as const, reason: event.reason ?? 'no reason given' }
                : c,
            ),
            settled: context.settled + 1,
          }
        : {},
    ),
    emitApprovalRequests: enqueueActions(({ context, enqueue }) => {
      for (const c of context.pendingCalls) {
        if (c.needsApproval && c.decision === undefined) {
          enqueue.emit({
            type: 'approval-required',
            callId: c.id,
            name: c.name,
            arguments: c.arguments,
          });
        }
      }
    }),
    resolveRejected: assign(({ context }) => ({
      pendingCalls: context.pendingCalls.map((c): PendingCall => {
        if (c.result) return c;
        if (c.decision === 'rejected') {
          return {
            ...c,
            result: {
              callId: c.id,
              name: c.name,
              ok: false,
              content: `Not executed: the user rejected this call (${c.reason ?? 'no reason given'}).`,
              failure: 'rejected' as const,
              durationMs: 0,
              ...(c.platform ? { confirmation: 'deny' as const } : {}),
            },
          };
        }
        // An allowed platform call runs on the server, with the next append.
        if (c.platform && c.decision === 'approved') {
          return {
            ...c,
            result: {
              callId: c.id,
              name: c.name,
              ok: true,
              content: 'Allowed: the platform runs this call.',
              durationMs: 0,
              confirmation: 'allow' as const,
            },
          };
        }
        return c;
      }),
    })),
    storeResult: assign(({ context, event }) =>
      event.type === 'tool.result'
        ? {
            pendingCalls: context.pendingCalls.map((c) =>
              c.id === event.result.callId ? { ...c, result: event.result } : c,
            ),
            settled: context.settled + 1,
          }
        : {},
    ),
    emitToolResult: emit(({ event }) => ({
      type: 'tool-result' as const,
      result: (event as Extract<ConversationEvent, { type: 'tool.result' }>).result,
    })),
    finishToolRound: assign(({ context }) => {
      const results = context.pendingCalls.map((c) => c.result!).filter(Boolean);
      const { current } = context;
      return {
        messages: [...context.messages, ...toolMessages(context.pendingCalls)],
        current: {
          ...current,
          results: [...current.results, ...results.filter((r) => r.failure !== 'rejected')],
          previousCallSignature: signatureOf(context.pendingCalls),
          toolRounds: current.toolRounds + 1,
        },
        pendingCalls: NONE,
        settled: context.settled + 1,
      };
    }),
    closeOpenCalls: assign(({ context }) => {
      if (context.pendingCalls.length === 0) return {};
      const cancelled = closeCalls(
        context.pendingCalls,
        'Not executed: the user cancelled the turn.',
        'skipped',
      );
      return {
        messages: [...context.messages, ...toolMessages(context.pendingCalls, cancelled)],
        pendingCalls: NONE,
        settled: context.settled + 1,
      };
    }),
    markCancelled: assign(({ context }) => ({
      streamingText: '',
      current: { ...context.current, retryAttempt: 0 },
      settled: context.settled + 1,
    })),
    scheduleRetry: assign(({ context, event }) => {
      if (event.type !== 'model.error') return {};
      const attempt = context.current.retryAttempt + 1;
      const delay = Math.max(
        backoffDelay(attempt, context.config.backoff),
        event.error.retryAfterMs ?? 0,
      );
      return {
        current: { ...context.current, retryAttempt: attempt, retryDelayMs: delay },
        lastError: event.error,
        streamingText: '',
      };
    }),
    emitRetry: emit(({ context }) => ({
      type: 'retry' as const,
      attempt: context.current.retryAttempt,
      delayMs: context.current.retryDelayMs,
      error: context.lastError!,
    })),
    recordFailure: assign(({ context, event }) =>
      event.type === 'model.error'
        ? { lastError: event.error, streamingText: '', settled: context.settled + 1 }
        : {},
    ),
    emitFailure: emit(({ context }) => ({
      type: 'turn-error' as const,
      error: context.lastError!,
    })),
    resetRetries: assign(({ context }) => ({ current: { ...context.current, retryAttempt: 0 } })),
    resetHistory: assign(({ context }) => ({
      messages: NONE,
      serverConversationId: undefined,
      serverSynced: 0,
      pendingCalls: NONE,
      streamingText: '',
      lastError: undefined,
      lastTurn: undefined,
      settled: context.settled + 1,
    })),
  },
}).createMachine({
  id: 'conversation',
  context: ({ input }) => ({
    id: input.id,
    config: {
      mode: input.mode ?? 'client',
      agentId: input.agentId,
      model: input.model,
      instructions: input.instructions,
      maxSteps: input.maxSteps ?? 10,
      maxRetries: input.maxRetries ?? 3,
      backoff: input.backoff ?? DEFAULT_BACKOFF,
    },
    messages: input.messages ?? NONE,
    serverConversationId: undefined,
    serverSynced: 0,
    turn: 0,
    streamingText: '',
    pendingCalls: NONE,
    current: NO_TURN,
    lastError: undefined,
    usage: zeroUsage(),
    lastTurn: undefined,
    settled: 0,
  }),
  initial: 'idle',
  on: {
    'user.close': '.closed',
  },
  states: {
    idle: {
      on: {
        'user.send': { target: 'responding', actions: ['startTurn', 'emitTurnStart'] },
        'user.reset': { actions: 'resetHistory' },
      },
    },
    responding: {
      // Every way in (startTurn, recordToolStep, scheduleRetry, recordFailure) has already emptied
      // streamingText: no entry action, one context copy fewer per model call.
      invoke: { src: 'modelTurn', input: ({ context }) => modelTurnInput(context) },
      on: {
        'model.delta': { actions: ['appendStreamingText', 'emitDelta'] },
        'model.restart': { actions: ['resetStreamingText', 'emitRestart'] },
        'model.end': [
          {
            guard: 'hasToolCalls',
            target: 'checkingCalls',
            actions: ['recordToolStep', 'emitHandoffs'],
          },
          { target: 'idle', actions: ['recordAnswer', 'emitHandoffs', 'emitTurnEnd'] },
        ],
        'model.error': [
          { guard: 'canRetry', target: 'retrying', actions: ['scheduleRetry', 'emitRetry'] },
          { target: 'failed', actions: ['recordFailure', 'emitFailure'] },
        ],
        'user.cancel': { target: 'idle', actions: 'markCancelled' },
      },
    },
    checkingCalls: {
      entry: 'emitToolCalls',
      always: [
        { guard: 'repeatedCall', target: 'responding', actions: 'skipCallsForLimit' },
        { guard: 'stepLimitReached', target: 'responding', actions: 'skipCallsForLimit' },
        { guard: 'needsApproval', target: 'awaitingApproval' },
        { target: 'runningTools' },
      ],
    },
    awaitingApproval: {
      entry: 'emitApprovalRequests',
      on: {
        'tool.approve': { guard: 'isPendingApproval', actions: 'approve' },
        'tool.reject': { guard: 'isPendingApproval', actions: 'reject' },
        'user.cancel': { target: 'idle', actions: ['closeOpenCalls', 'markCancelled'] },
      },
      always: { guard: 'allDecided', target: 'runningTools' },
    },
    runningTools: {
      entry: 'resolveRejected',
      invoke: { src: 'runTools', input: ({ context }) => runToolsInput(context) },
      on: {
        'tool.result': { actions: ['storeResult', 'emitToolResult'] },
        'user.cancel': { target: 'idle', actions: ['closeOpenCalls', 'markCancelled'] },
      },
      always: { guard: 'allResults', target: 'responding', actions: 'finishToolRound' },
    },
    retrying: {
      after: { retryDelay: 'responding' },
      on: {
        'user.retry': 'responding',
        'user.cancel': { target: 'idle', actions: 'markCancelled' },
      },
    },
    failed: {
      on: {
        'user.retry': { target: 'responding', actions: 'resetRetries' },
        'user.reset': { target: 'idle', actions: 'resetHistory' },
      },
    },
    closed: { type: 'final' },
  },
});

export type ConversationActor = ActorRefFrom<typeof conversationMachine>;
export type ConversationSnapshot = SnapshotFrom<typeof conversationMachine>;
