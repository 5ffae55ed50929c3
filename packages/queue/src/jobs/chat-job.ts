import type { TraceContext, Usage } from '@mistral-flows/core';
import type { ChatCompletionRequestMessage } from '@mistralai/mistralai/models/components';

/** A message of the conversation, in the SDK's shape (`role`, `content`, `toolCalls`, ...). */
export type ChatMessage = ChatCompletionRequestMessage;

/** JSON values, as job data and metadata must be. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What `enqueueChat` takes. */
export interface ChatJobInput {
  /** The conversation so far; at least one message. */
  messages: ChatMessage[];
  /** Model of a chat completion (default `mistral-small-latest`). Not with `agentId`. */
  model?: string;
  /** Runs an agent completion (`agents.complete`) instead of a chat completion. */
  agentId?: string;
  /** Where the signed `chat.job.completed` / `chat.job.failed` webhook goes. */
  callbackUrl?: string;
  /** Your own data, returned in the result and the webhook. */
  metadata?: Record<string, JsonValue>;
  /** Streams the answer and reports progress (`{ chunks, characters }`) while it arrives. */
  stream?: boolean;
  /**
   * The trace the job belongs to (W3C `traceparent`, and `tracestate`), so that the enqueue, the
   * model call and the webhook delivery form one trace. `jobTraceContext()` from
   * `@mistral-flows/otel` gives the active one; the worker's `tracing` continues it, and the
   * webhook carries it as its `traceparent` header.
   */
  traceContext?: TraceContext;
}

/** The data of a chat job in Redis. */
export interface ChatJobData extends ChatJobInput {
  /** How many times the job came back from the dead-letter queue (0 when absent). */
  replays?: number;
  /**
   * The model's answer, written by the worker to the job before it queues the job's webhook. An
   * attempt that finds it delivers it instead of calling the model again.
   */
  result?: ChatJobResult;
}

/** A tool call the model made. */
export interface ChatToolCall {
  id: string | undefined;
  name: string;
  /** The arguments as the API sent them (a JSON string, or an object). */
  arguments: unknown;
}

/** A chat job's return value, stored by BullMQ as the job's `returnvalue`. */
export interface ChatJobResult {
  kind: 'chat' | 'agent';
  /** The completion id the API gave. */
  completionId: string;
  model: string | undefined;
  /** The assistant's text. */
  content: string;
  toolCalls: ChatToolCall[];
  finishReason: string;
  /** Usage as the API reported it. */
  usage: Usage | undefined;
  metadata: Record<string, JsonValue> | undefined;
}

/** Progress of a streamed job, as `job.progress`. */
export interface ChatJobProgress {
  chunks: number;
  characters: number;
}

export const DEFAULT_MODEL = 'mistral-small-latest';
