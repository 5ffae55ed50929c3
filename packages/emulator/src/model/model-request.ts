import type { JsonSchema } from '../validation/schema-types.js';

/** A chat message reduced to what the scripted model reads. */
export interface ModelMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** Text content; non-text chunks become short placeholders such as `[image]`. */
  content: string;
  toolCalls?: ModelToolCall[];
  toolCallId?: string;
  name?: string;
}

/** A tool call made by the model, with JSON-encoded arguments. */
export interface ModelToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A function tool the model may call. */
export interface FunctionToolSpec {
  name: string;
  description?: string;
  parameters?: JsonSchema;
}

export type ToolChoice = 'auto' | 'none' | 'any' | 'required' | { name: string };

export type ResponseFormat =
  { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema: JsonSchema };

/** Everything that decides one scripted-model turn, whatever endpoint it came from. */
export interface ModelRequest {
  model: string;
  messages: ModelMessage[];
  tools: FunctionToolSpec[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  maxTokens?: number;
  stop: string[];
  n: number;
  randomSeed?: number;
  responseFormat: ResponseFormat;
}
