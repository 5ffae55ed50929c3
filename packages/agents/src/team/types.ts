import type { Usage } from '@mistral-flows/core';
import type { ConversationMessage, Turn, TurnError } from '../machine/types.js';

/** A message of a team's history, with the agent that wrote it (assistant and tool messages). */
export type TeamMessage = ConversationMessage & { agent?: string };

/** One handoff: which agent passed the conversation to which, in which turn, and why. */
export interface Handoff {
  turn: number;
  from: string;
  to: string;
  reason: string | undefined;
}

/** The agent step in progress: one agent answering the turn's user message. */
export interface TeamStep {
  /** The agent answering. */
  agent: string;
  /** The conversation that runs the step (stored beside the team, resumed after a crash). */
  conversationId: string;
  /** Agents that have answered in this turn (the current one included): none is asked twice. */
  visited: string[];
  /** Handoffs made in this turn. */
  handoffs: number;
}

/** The outcome of a team turn. */
export interface TeamTurn {
  turn: number;
  /** The agent that gave the final answer. */
  agent: string;
  text: string;
  /** Handoffs made in this turn, in order. */
  handoffs: Handoff[];
  /** The last agent step's turn (tool results, steps, finish reason). */
  final: Turn;
  /** Why the last agent was not offered handoffs, if it was not. */
  stopReason?: 'handoff_limit';
  usage: Usage;
}

export interface TeamConfig {
  entry: string;
  /** Who may hand off to whom. */
  handoffs: Record<string, string[]>;
  /** Handoffs per turn (each agent answers at most once per turn as well). */
  maxHandoffs: number;
}

/** The team machine's context: everything a team stores. */
export interface TeamContext {
  id: string;
  config: TeamConfig;
  /** The agent that answers the next user message. */
  active: string;
  turn: number;
  /** The user message of the turn in progress. */
  text: string | undefined;
  history: TeamMessage[];
  handoffs: Handoff[];
  step: TeamStep | undefined;
  lastTurn: TeamTurn | undefined;
  lastError: TurnError | undefined;
  usage: Usage;
  /** Incremented at every settled step: the signal to persist. */
  settled: number;
}

export interface TeamMachineInput {
  id: string;
  entry: string;
  handoffs: Record<string, string[]>;
  maxHandoffs?: number;
}

/** What the `agentStep` actor is given. */
export interface AgentStepInput {
  teamId: string;
  turn: number;
  text: string;
  step: TeamStep;
  history: TeamMessage[];
  /** The agents the step's agent may hand off to now (empty when the cap is reached). */
  targets: string[];
  /** Who handed off to this agent, and why (for its instructions). */
  handedFrom: Handoff | undefined;
}

export type TeamEvent =
  | { type: 'user.send'; text: string }
  | { type: 'user.retry' }
  | { type: 'user.close' }
  | { type: 'tool.approve'; callId: string }
  | { type: 'tool.reject'; callId: string; reason?: string }
  /** The step's agent handed off: `messages` are what it added (the handoff call left out). */
  | { type: 'step.handoff'; to: string; reason?: string; messages: ConversationMessage[] }
  | { type: 'step.answer'; turn: Turn; messages: ConversationMessage[] }
  | { type: 'step.error'; error: TurnError }
  /** A tool call of the step's agent waits for `approve` / `reject`. */
  | { type: 'step.approval'; callId: string; name: string; arguments: string }
  /** Sent after a restore, so that the step in progress is continued. */
  | { type: 'team.resume' };

export type TeamEmitted =
  | { type: 'turn-start'; turn: number; agent: string; text: string }
  | { type: 'handoff'; handoff: Handoff }
  | { type: 'approval-required'; agent: string; callId: string; name: string; arguments: string }
  | { type: 'turn-end'; turn: TeamTurn }
  | { type: 'turn-error'; error: TurnError };
