import { asString } from '../http/as-string.js';
import type {
  FunctionToolSpec,
  ModelMessage,
  ModelRequest,
  ResponseFormat,
  ToolChoice,
} from '../model/model-request.js';
import type { JsonSchema } from '../validation/schema-types.js';

type Json = Record<string, unknown>;

/** Text of a message's `content`: a string, null, or content chunks. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const chunk of content as Json[]) {
    switch (chunk?.type) {
      case 'text':
        text += typeof chunk.text === 'string' ? chunk.text : '';
        break;
      case 'image_url':
        text += '[image]';
        break;
      case 'document_url':
        text += '[document]';
        break;
      case 'file':
        text += '[file]';
        break;
      case 'input_audio':
        text += '[audio]';
        break;
      default:
        break;
    }
  }
  return text;
}

function argumentsText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? {});
}

/** Converts API chat messages (already validated) for the model. */
export function toModelMessages(messages: Json[]): ModelMessage[] {
  return messages.map((m) => {
    const role = m.role as ModelMessage['role'];
    const message: ModelMessage = { role, content: contentText(m.content) };
    if (role === 'assistant' && Array.isArray(m.tool_calls)) {
      message.toolCalls = (m.tool_calls as Json[]).map((call) => {
        const fn = call.function as Json;
        return {
          id: asString(call.id),
          name: String(fn.name),
          arguments: argumentsText(fn.arguments),
        };
      });
    }
    if (role === 'tool') {
      if (typeof m.tool_call_id === 'string') message.toolCallId = m.tool_call_id;
      if (typeof m.name === 'string') message.name = m.name;
    }
    return message;
  });
}

/** The function tools of a `tools` array (built-in tools are not the model's to call here). */
export function functionTools(tools: unknown): FunctionToolSpec[] {
  if (!Array.isArray(tools)) return [];
  const result: FunctionToolSpec[] = [];
  for (const tool of tools as Json[]) {
    if ((tool.type ?? 'function') !== 'function') continue;
    const fn = tool.function as Json | undefined;
    if (!fn || typeof fn.name !== 'string') continue;
    result.push({
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : undefined,
      parameters: (fn.parameters as JsonSchema | undefined) ?? undefined,
    });
  }
  return result;
}

export function toToolChoice(value: unknown): ToolChoice {
  if (value === 'none' || value === 'any' || value === 'required' || value === 'auto') return value;
  if (typeof value === 'object' && value !== null) {
    const fn = (value as Json).function as Json | undefined;
    if (fn && typeof fn.name === 'string') return { name: fn.name };
  }
  return 'auto';
}

export function toResponseFormat(value: unknown): ResponseFormat {
  const format = value as Json | null | undefined;
  if (format?.type === 'json_object') return { type: 'json_object' };
  if (format?.type === 'json_schema') {
    const spec = format.json_schema as Json | null | undefined;
    const schema = spec?.schema as JsonSchema | undefined;
    if (schema) return { type: 'json_schema', schema };
    return { type: 'json_object' };
  }
  return { type: 'text' };
}

export function toStop(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}

/** Sampling fields that a request can set and an agent's `completion_args` can default. */
export interface CompletionSettings {
  max_tokens?: unknown;
  stop?: unknown;
  random_seed?: unknown;
  response_format?: unknown;
  tool_choice?: unknown;
}

/**
 * Builds the model's view of a chat-style request. `defaults` (an agent's `completion_args`)
 * apply to the fields the request leaves out.
 */
export function toModelRequest(
  model: string,
  messages: ModelMessage[],
  body: Json & CompletionSettings & { tools?: unknown; n?: unknown; parallel_tool_calls?: unknown },
  defaults: CompletionSettings = {},
  tools: FunctionToolSpec[] = functionTools(body.tools),
): ModelRequest {
  const pick = <K extends keyof CompletionSettings>(key: K): unknown =>
    body[key] ?? defaults[key] ?? undefined;
  const maxTokens = pick('max_tokens');
  const seed = pick('random_seed');
  return {
    model,
    messages,
    tools,
    toolChoice: toToolChoice(pick('tool_choice')),
    parallelToolCalls: body.parallel_tool_calls !== false,
    maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
    stop: toStop(pick('stop')),
    n: typeof body.n === 'number' ? body.n : 1,
    randomSeed: typeof seed === 'number' ? seed : undefined,
    responseFormat: toResponseFormat(pick('response_format')),
  };
}

/** 1 for the first model turn after the last user message, plus one per assistant turn since. */
export function turnStep(messages: ModelMessage[]): number {
  let step = 1;
  for (let i = messages.length - 1; i >= 0; i--) {
    const role = messages[i]!.role;
    if (role === 'user') break;
    if (role === 'assistant') step++;
  }
  return step;
}

export function lastUserMessage(messages: ModelMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') return messages[i]!.content;
  }
  return '';
}
