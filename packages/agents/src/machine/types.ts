import type { BackoffOptions, Usage } from '@mistral-flows/core';
import type { ToolCallResult } from '../tools/run-tool-call.js';

/** One message of a conversation's history, JSON-serialisable, in the API's roles. */
export type ConversationMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string;
      toolCalls?: AssistantToolCall[];
      /** Server mode, after a handoff on the server: the agent that wrote the message. */
      author?: { agentId: string; agentName?: string };
    }
  | {
      role: 'tool';
      toolCallId: string;
      name: string;
      content: string;
      /** Server mode: a platform tool's call decided by the user, sent as a tool confirmation. */
      confirmation?: 'allow' | 'deny';
    };

export interface AssistantToolCall {
  id: string;
  name: string;
  /** The arguments exactly as the model sent them (JSON text). */
  arguments: string;
}

/** A tool call of the current step, with its approval and its result once it has one. */
export interface PendingCall extends AssistantToolCall {
  needsApproval: boolean;
  /**
   * Server mode: a built-in tool's or a connector's call that the API holds for confirmation; it
   * runs on the platform once allowed, never here.
   */
  platform?: boolean;
  decision?: 'approved' | 'rejected';
  reason?: string;
  result?: ToolCallResult;
}

/** A classified failure, serialisable (core's taxonomy). */
export interface TurnError {
  code: string;
  message: string;
  status?: number;
  retryable: boolean;
  retryAfterMs?: number;
}

/** The outcome of a finished turn. */
export interface Turn {
  turn: number;
  /** The assistant's final answer. */
  text: string;
  finishReason: string;
  /** Model calls made in the turn. */
  steps: number;
  /** Tool calls executed in the turn (results included). */
  toolResults: ToolCallResult[];
  /** Why the model was asked for an answer without tools, if it was. */
  stopReason?: 'step_limit' | 'repeated_tool_call';
  usage: Usage;
}

export interface ConversationMachineInput {
  id: string;
  /** `client`: history kept here, `agents.stream`/`chat.stream`; `server`: the Conversations API. */
  mode?: 'client' | 'server';
  agentId?: string;
  model?: string;
  instructions?: string;
  /** Tool rounds per turn before the model is asked for an answer without tools (default 10). */
  maxSteps?: number;
  /** Retries of a failed model call (default 3). */
  maxRetries?: number;
  backoff?: BackoffOptions;
  /** Client mode: the history the conversation starts from (an agent team's handoffs use it). */
  messages?: ConversationMessage[];
}

/**
 * The machine's context. Thirteen top-level fields on purpose: XState copies the context with
 * `Object.assign` at every `assign`, and V8 turns an object built that way with more than about
 * twenty properties into a slow dictionary (ten times slower to copy, slower to read and to
 * serialise). What never changes is in `config`; what belongs to the turn in progress in `current`.
 */
export interface ConversationContext {
  id: string;
  config: ConversationConfig;
  messages: ConversationMessage[];
  /** Server mode: the platform's conversation id, and how many messages it has already. */
  serverConversationId: string | undefined;
  serverSynced: number;
  turn: number;
  streamingText: string;
  pendingCalls: PendingCall[];
  /** The turn in progress (or the last one): steps, tool rounds, results, retries, usage. */
  current: TurnProgress;
  lastError: TurnError | undefined;
  usage: Usage;
  lastTurn: Turn | undefined;
  /** Incremented at every settled step: the signal to persist. */
  settled: number;
}

/** What a conversation is created with and keeps. */
export interface ConversationConfig {
  mode: 'client' | 'server';
  agentId: string | undefined;
  model: string | undefined;
  instructions: string | undefined;
  maxSteps: number;
  maxRetries: number;
  backoff: BackoffOptions;
}

/** The bookkeeping of one turn, replaced as a whole when the next turn starts. */
export interface TurnProgress {
  /** Whether this turn's model calls stream (see `ConversationOptions.streaming`). */
  stream: boolean;
  /** Tool rounds run in this turn. */
  toolRounds: number;
  /** Model calls made in this turn. */
  steps: number;
  /** Results of every tool call of this turn, in order. */
  results: ToolCallResult[];
  /** The model must answer without tools (step limit or a repeated call). */
  finalAnswerOnly: boolean;
  stopReason: 'step_limit' | 'repeated_tool_call' | undefined;
  previousCallSignature: string | undefined;
  retryAttempt: number;
  retryDelayMs: number;
  usage: Usage;
}

/** What the model-turn actor is given. */
export interface ModelTurnInput {
  conversationId: string;
  mode: 'client' | 'server';
  agentId: string | undefined;
  model: string | undefined;
  instructions: string | undefined;
  messages: ConversationMessage[];
  serverConversationId: string | undefined;
  /** Server mode: the messages the platform does not have yet. */
  unsynced: ConversationMessage[];
  /** `none` for the answer without tools. */
  toolChoice: 'auto' | 'none';
  /** Stream deltas, or make one plain request when nobody watches the text arrive. */
  stream: boolean;
}

export interface RunToolsInput {
  conversationId: string;
  calls: PendingCall[];
}

export type ConversationEvent =
  | {
      type: 'user.send';
      text: string;
      /** Stream the model's answer as deltas (default true); false makes one plain request. */
      stream?: boolean;
    }
  | { type: 'user.cancel' }
  | { type: 'user.retry' }
  | { type: 'user.reset' }
  | { type: 'tool.approve'; callId: string }
  | { type: 'tool.reject'; callId: string; reason?: string }
  | { type: 'model.delta'; text: string }
  | { type: 'model.restart' }
  | {
      type: 'model.end';
      text: string;
      finishReason: string;
      usage: Usage | undefined;
      toolCalls: Array<AssistantToolCall & { needsApproval: boolean; platform?: boolean }>;
      serverConversationId?: string;
      /** Server mode: the agent that answered after handoffs on the server, and the handoffs. */
      author?: { agentId: string; agentName?: string };
      handoffs?: Array<{ from: string; to: string }>;
    }
  | { type: 'model.error'; error: TurnError }
  | { type: 'tool.result'; result: ToolCallResult }
  /** Sent after a restore, so that eventless transitions are evaluated. */
  | { type: 'conversation.resume' };

/** Events the machine emits for listeners (`actor.on(...)`), mapped to the bus and to `stream()`. */
export type ConversationEmitted =
  | { type: 'turn-start'; turn: number; text: string }
  | { type: 'text-delta'; text: string }
  | { type: 'restart' }
  | { type: 'tool-call'; callId: string; name: string; arguments: string; needsApproval: boolean }
  | { type: 'approval-required'; callId: string; name: string; arguments: string }
  | { type: 'tool-result'; result: ToolCallResult }
  | { type: 'turn-end'; turn: Turn }
  /** Server mode: the server handed the conversation from one agent to another. */
  | { type: 'handoff'; from: string; to: string }
  | { type: 'turn-error'; error: TurnError }
  | { type: 'retry'; attempt: number; delayMs: number; error: TurnError };
