import type { Usage } from '@mistral-flows/core';

/** A tool call the model made, with its arguments parsed from JSON when they are valid JSON. */
export interface ToolCallPart {
  /** The id to answer with a tool message (`tool_call_id`). */
  id: string;
  name: string;
  /** Parsed arguments; the raw string when it is not valid JSON. */
  arguments: unknown;
  /** Arguments exactly as the API sent them. */
  rawArguments: string;
  /** Position of the call in the model's turn. */
  index: number;
  /**
   * Conversations API: `pending` when the call is a built-in tool's or a connector's that requires
   * confirmation; answer it with `toolConfirmations` (allow or deny) on the next append.
   */
  confirmation?: 'pending';
}

/** The first event of a response, sent just before its first delta. */
export interface ResponseStartEvent {
  type: 'response-start';
  /** Completion id, or the conversation id for the Conversations API. */
  id: string;
  model: string | undefined;
  /** Set for the Conversations API. */
  conversationId?: string;
  /** 1 for the first request, more after retries or restarts. */
  attempt: number;
}

export interface TextDeltaEvent {
  type: 'text-delta';
  text: string;
  /** 0-based position of this delta in the response. */
  index: number;
}

export interface ToolCallEvent extends ToolCallPart {
  type: 'tool-call';
}

/** The last event of a response: why it finished, what it cost, and everything it said. */
export interface ResponseEndEvent {
  type: 'response-end';
  id: string;
  model: string | undefined;
  conversationId?: string;
  /** `stop`, `length`, `tool_calls`, `model_length`, `error`, ... as the API reported it. */
  finishReason: string;
  /** Token usage as reported by the API; `undefined` only when the API sent none. */
  usage: Usage | undefined;
  /** The whole text of the response. */
  text: string;
  toolCalls: ToolCallPart[];
  /**
   * Conversations API, after a server-side handoff in this response: the agent that answered
   * (`agentName` when the handoff event named it).
   */
  agent?: { agentId: string; agentName?: string };
  /** Conversations API: the handoffs made in this response, in order. */
  handoffs?: Array<{ from: string; to: string; toAgentId: string }>;
}

/**
 * The stream was interrupted after it had started and is being sent again (`onInterrupt:
 * 'restart'`): consumers must drop what they accumulated; the new attempt follows from its
 * `response-start`.
 */
export interface RestartEvent {
  type: 'restart';
  /** The attempt that is starting. */
  attempt: number;
  /** Why the previous attempt ended (a classified error code). */
  reason: string;
  /** Text the interrupted attempt had produced, now discarded. */
  discardedText: string;
}

/** Conversations API: a built-in tool (web search, code interpreter, ...) starts running. */
export interface ToolExecutionStartEvent {
  type: 'tool-execution-start';
  id: string;
  name: string;
  arguments: string;
}

export interface ToolExecutionDeltaEvent {
  type: 'tool-execution-delta';
  id: string;
  name: string;
  arguments: string;
}

export interface ToolExecutionEndEvent {
  type: 'tool-execution-end';
  id: string;
  name: string;
  info: Record<string, unknown> | undefined;
}

/** Conversations API: one agent hands the conversation to another. */
export interface AgentHandoffStartEvent {
  type: 'agent-handoff-start';
  id: string;
  previousAgentId: string;
  previousAgentName: string;
}

export interface AgentHandoffEndEvent {
  type: 'agent-handoff-end';
  id: string;
  nextAgentId: string;
  nextAgentName: string;
}

/** An event this version does not know, passed through rather than dropped or fatal. */
export interface UnknownEvent {
  type: 'unknown';
  /** The SSE `event:` name, when there was one. */
  event: string | undefined;
  raw: unknown;
}

/** Everything a chat, agent or conversation stream emits. */
export type StreamEvent =
  | ResponseStartEvent
  | TextDeltaEvent
  | ToolCallEvent
  | ResponseEndEvent
  | RestartEvent
  | ToolExecutionStartEvent
  | ToolExecutionDeltaEvent
  | ToolExecutionEndEvent
  | AgentHandoffStartEvent
  | AgentHandoffEndEvent
  | UnknownEvent;

export type StreamEventType = StreamEvent['type'];

/** What `toCompletion()` reduces a stream to. */
export interface Completion {
  id: string;
  model: string | undefined;
  conversationId?: string;
  text: string;
  toolCalls: ToolCallPart[];
  finishReason: string;
  usage: Usage | undefined;
  /** How many times the stream restarted before this result. */
  restarts: number;
}
