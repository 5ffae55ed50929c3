import { chooseToolCalls, type ChosenTool } from './choose-tool-calls.js';
import { composeAnswer, composeToolAnswer, type ToolResult } from './compose-text.js';
import type { ModelMessage, ModelRequest, ModelToolCall } from './model-request.js';
import { createRandom, hashString, mixSeed, type Random } from './prng.js';
import { readPrompt, type PromptFacts } from './prompt-facts.js';
import { synthesizeValue } from './synthesize-value.js';
import { countTokens, tokenize } from './tokenizer.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls';

/** One generated choice: its text split into stream pieces, or its tool calls. */
export interface ModelChoice {
  index: number;
  content: string;
  /** `content` split into tokens; joining them gives `content`. One stream chunk per piece. */
  pieces: string[];
  toolCalls: ModelToolCall[];
  finishReason: FinishReason;
}

export interface ModelUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The result of one turn. */
export interface ModelTurn {
  choices: ModelChoice[];
  usage: ModelUsage;
}

/** An exact reply that replaces the generated one (from a scenario rule). */
export interface ScriptedReply {
  text?: string;
  toolCalls?: { name: string; arguments: string | Record<string, unknown> }[];
}

export interface ScriptedModelOptions {
  /** The emulator's seed; the request's `random_seed` takes precedence. */
  seed?: number;
  reply?: ScriptedReply;
}

/**
 * The deterministic scripted model: the same seed and request always give the same turn.
 * See the package README for the rules it follows.
 */
export function runScriptedModel(
  request: ModelRequest,
  options: ScriptedModelOptions = {},
): ModelTurn {
  const digest = digestMessages(request.messages);
  const baseSeed = mixSeed(request.randomSeed ?? options.seed ?? 0, digest);
  const prompt = lastUserText(request.messages);
  const facts = readPrompt(prompt);
  const choices: ModelChoice[] = [];
  let completionTokens = 0;
  for (let index = 0; index < Math.max(1, request.n); index++) {
    const random = createRandom(mixSeed(baseSeed, index));
    const choice = options.reply
      ? scriptedChoice(options.reply, index, random)
      : generateChoice(request, facts, index, random);
    applyLimits(choice, request);
    completionTokens += choice.pieces.length;
    for (const call of choice.toolCalls)
      completionTokens += countTokens(call.name) + countTokens(call.arguments);
    choices.push(choice);
  }
  const promptTokens = countPromptTokens(request);
  return {
    choices,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

function digestMessages(messages: ModelMessage[]): number {
  let hash = 0x811c9dc5;
  for (const message of messages) {
    hash = hashString(message.role, hash);
    hash = hashString(message.content, hash);
    for (const call of message.toolCalls ?? []) hash = hashString(call.name + call.arguments, hash);
  }
  return hash;
}

function lastUserText(messages: ModelMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') return messages[i]!.content;
  }
  return messages.map((m) => m.content).join('\n');
}

/** Prompt tokens: every message's tokens plus 3 for its framing, plus the tool definitions. */
export function countPromptTokens(request: ModelRequest): number {
  let total = 0;
  for (const message of request.messages) {
    total += countTokens(message.content) + 3;
    for (const call of message.toolCalls ?? [])
      total += countTokens(call.name) + countTokens(call.arguments);
  }
  for (const tool of request.tools) {
    total += countTokens(tool.name) + countTokens(tool.description ?? '') + 8;
    if (tool.parameters) total += countTokens(JSON.stringify(tool.parameters));
  }
  return total;
}

const idAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A tool-call id like the real API's (`D681PevKs`): nine alphanumerics. */
export function toolCallId(random: Random): string {
  let id = '';
  for (let i = 0; i < 9; i++) id += idAlphabet[Math.floor(random() * idAlphabet.length)];
  return id;
}

function textChoice(index: number, content: string): ModelChoice {
  return { index, content, pieces: tokenize(content), toolCalls: [], finishReason: 'stop' };
}

function scriptedChoice(reply: ScriptedReply, index: number, random: Random): ModelChoice {
  if (reply.toolCalls && reply.toolCalls.length > 0) {
    return {
      index,
      content: '',
      pieces: [],
      toolCalls: reply.toolCalls.map((call) => ({
        id: toolCallId(random),
        name: call.name,
        arguments:
          typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      })),
      finishReason: 'tool_calls',
    };
  }
  return textChoice(index, reply.text ?? '');
}

function generateChoice(
  request: ModelRequest,
  facts: PromptFacts,
  index: number,
  random: Random,
): ModelChoice {
  const chosen = chooseToolCalls(request);
  if (chosen.length > 0) {
    return {
      index,
      content: '',
      pieces: [],
      toolCalls: chosen.map((c, i) => ({
        id: toolCallId(random),
        name: c.tool.name,
        arguments: JSON.stringify(toolArguments(c, chosen[i + 1], facts)),
      })),
      finishReason: 'tool_calls',
    };
  }
  const format = request.responseFormat;
  if (format.type === 'json_schema') {
    const value = synthesizeValue(format.schema, {
      facts,
      quotes: facts.quoted.map((q) => q.value),
      numbers: facts.numbers.map((n) => n.value),
      includeOptional: true,
      root: format.schema,
    });
    return textChoice(index, JSON.stringify(value));
  }
  const last = request.messages[request.messages.length - 1];
  const text =
    last?.role === 'tool'
      ? composeToolAnswer(toolResults(request.messages), facts.keyTerms, random)
      : composeAnswer(facts.keyTerms, random);
  if (format.type === 'json_object') {
    return textChoice(index, JSON.stringify({ answer: text, topics: facts.keyTerms.slice(0, 3) }));
  }
  return textChoice(index, text);
}

/**
 * Arguments for one chosen tool. Quoted strings and numbers that follow the tool's name in the
 * prompt (up to the next chosen tool's name) are used first, so that "get_weather for "Paris" and
 * get_time for "Tokyo"" gives each call its own city.
 */
function toolArguments(
  chosen: ChosenTool,
  next: ChosenTool | undefined,
  facts: PromptFacts,
): unknown {
  const start = chosen.position;
  const end = next && next.position > start ? next.position : Number.POSITIVE_INFINITY;
  const order = <T extends { index: number }>(items: T[]): T[] =>
    start < 0
      ? items
      : [
          ...items.filter((q) => q.index >= start && q.index < end),
          ...items.filter((q) => q.index >= end),
          ...items.filter((q) => q.index < start),
        ];
  const schema = chosen.tool.parameters ?? { type: 'object', properties: {} };
  return synthesizeValue(schema, {
    facts,
    quotes: order(facts.quoted).map((q) => q.value),
    numbers: order(facts.numbers).map((n) => n.value),
    includeOptional: false,
    root: schema,
  });
}

/** The tool results that follow the last assistant tool-call message. */
function toolResults(messages: ModelMessage[]): ToolResult[] {
  const results: ToolResult[] = [];
  let i = messages.length - 1;
  while (i >= 0 && messages[i]!.role === 'tool') i--;
  const calls = messages[i]?.toolCalls ?? [];
  for (let j = i + 1; j < messages.length; j++) {
    const message = messages[j]!;
    const name =
      message.name ??
      calls.find((c) => c.id === message.toolCallId)?.name ??
      calls[j - i - 1]?.name ??
      'tool';
    results.push({ name, content: message.content });
  }
  return results;
}

/** Applies `stop` then `max_tokens` to a text choice. Tool calls are not cut. */
function applyLimits(choice: ModelChoice, request: ModelRequest): void {
  if (choice.toolCalls.length > 0) return;
  let content = choice.content;
  let cut = -1;
  for (const stop of request.stop) {
    if (stop === '') continue;
    const at = content.indexOf(stop);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut >= 0) {
    content = content.slice(0, cut);
    choice.content = content;
    choice.pieces = tokenize(content);
  }
  if (request.maxTokens !== undefined && choice.pieces.length > request.maxTokens) {
    choice.pieces = choice.pieces.slice(0, request.maxTokens);
    choice.content = choice.pieces.join('');
    choice.finishReason = 'length';
  }
}
