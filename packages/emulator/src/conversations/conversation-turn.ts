import { agentJson } from '../agents/agent-store.js';
import {
  functionTools,
  lastUserMessage,
  toModelRequest,
  turnStep,
  type CompletionSettings,
} from '../completions/to-model-request.js';
import { asString } from '../http/as-string.js';
import { isoTime } from '../http/clock.js';
import { prefixedId } from '../http/ids.js';
import type { ModelMessage } from '../model/model-request.js';
import type { ModelUsage } from '../model/scripted-model.js';
import { runModelTurn } from '../server/model-call.js';
import type { RouteContext } from '../server/route.js';
import { entriesToMessages } from './entries-to-messages.js';
import { chooseTool, platformTools, toolArguments, toolOutput } from './platform-tools.js';
import { applyConfirmations, type ToolConfirmation } from './tool-confirmations.js';

type Json = Record<string, unknown>;

/** Who answers a conversation turn, with which instructions, tools and settings. */
export interface Responder {
  model: string;
  agentId?: string;
  agentName?: string;
  instructions: string | null;
  tools: Json[];
  completionArgs: Json;
  handoffs: string[] | null;
}

/** The entries a turn produced, with each message output's content split into stream pieces. */
export interface TurnResult {
  /** The entries before the outputs: the history (decided calls updated), then the inputs. */
  entries: Json[];
  outputs: Json[];
  pieces: Map<string, string[]>;
  usage: ModelUsage;
}

/** What one turn starts from. */
export interface TurnInput {
  /** The conversation's entries so far. */
  history: Json[];
  /** The request's inputs, as entries. */
  inputs: Json[];
  /** The conversation's agent or model. */
  responder: Responder;
  /** The request's `completion_args`, over the responder's. */
  completionArgs: Json | null | undefined;
  /** `client`: a handoff ends the turn and the client continues it; `server` (the default). */
  handoffExecution: 'client' | 'server';
  /** An append's `tool_confirmations`. */
  confirmations: readonly ToolConfirmation[];
}

const noUsage: ModelUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

/** The responder for an agent (at a version). */
export function agentResponder(config: Json): Responder {
  return {
    model: config.model as string,
    agentId: config.id as string,
    agentName: config.name as string,
    instructions: (config.instructions as string | null) ?? null,
    tools: (config.tools as Json[] | null) ?? [],
    completionArgs: (config.completion_args as Json | null) ?? {},
    handoffs: (config.handoffs as string[] | null) ?? null,
  };
}

/** The responder for a stored agent id (its active version), or undefined when it is gone. */
function storedAgentResponder(ctx: RouteContext, id: unknown): Responder | undefined {
  const agent = typeof id === 'string' ? ctx.runtime.agents.get(id) : undefined;
  return agent && agentResponder(agentJson(agent));
}

/**
 * Runs one conversation turn. In order:
 * - after a client handoff (the history ends with an `agent.handoff` entry), the handoff's target
 *   answers instead of the conversation's agent;
 * - `tool_confirmations` decide pending platform-tool calls: an allowed call runs (a
 *   `tool.execution` entry), a denied one does not, and the agent that made the calls goes on;
 * - on a user message, the agent may hand off to one of its `handoffs` that the message names
 *   (with `handoffExecution: 'client'` the turn ends there, with the `agent.handoff` entry only);
 * - on a user message (or when continuing a client handoff), the answering agent may call a
 *   platform tool the message asks for: a `tool.execution` entry, or, when the tool requires
 *   confirmation, a `function.call` entry with `confirmation_status: 'pending'` that ends the turn;
 * - the model answers with a `message.output` or `function.call` entries.
 * Returns undefined when a fault already dealt with the request.
 */
export async function runConversationTurn(
  ctx: RouteContext,
  input: TurnInput,
): Promise<TurnResult | undefined> {
  const now = () => isoTime(ctx.runtime.clock.now());
  const outputs: Json[] = [];
  const pieces = new Map<string, string[]>();
  let responder = input.responder;

  const previous = input.history[input.history.length - 1];
  if (previous?.type === 'agent.handoff') {
    responder = storedAgentResponder(ctx, previous.next_agent_id) ?? responder;
  }

  const { entries: history, decided } = applyConfirmations(input.history, input.confirmations);
  if (decided.length > 0) {
    responder = storedAgentResponder(ctx, decided[0]!.entry.agent_id) ?? responder;
  }
  const executed: ModelMessage[] = [];
  for (const { entry, allowed } of decided) {
    if (!allowed) continue;
    const name = asString(entry.name);
    const args = asString(entry.arguments, JSON.stringify(entry.arguments ?? {}));
    const result = toolOutput(name, args);
    const id = prefixedId('tool_exec_');
    outputs.push(
      toolExecutionEntry(now(), id, responder, name, args, {
        tool_call_id: entry.tool_call_id,
        result,
      }),
    );
    executed.push(
      { role: 'assistant', content: '', toolCalls: [{ id, name, arguments: args }] },
      { role: 'tool', content: result, toolCallId: id, name },
    );
  }

  const entries = [...history, ...input.inputs];
  const messagesFor = (r: Responder): ModelMessage[] => [
    ...entriesToMessages(history, r.instructions),
    ...executed,
    ...entriesToMessages(input.inputs, null),
  ];
  let messages = messagesFor(responder);
  const prompt = lastUserMessage(messages);
  const last = entries[entries.length - 1];
  const userMessage = last?.type === 'message.input';
  const finish = (usage: ModelUsage): TurnResult => ({ entries, outputs, pieces, usage });

  if (userMessage && responder.handoffs && responder.handoffs.length > 0) {
    for (const id of responder.handoffs) {
      const target = ctx.runtime.agents.get(id);
      if (!target) continue;
      const config = agentJson(target);
      const name = String(config.name);
      if (!new RegExp(`\\b${escapeRegExp(name)}\\b`, 'i').test(prompt)) continue;
      outputs.push({
        object: 'entry',
        type: 'agent.handoff',
        created_at: now(),
        completed_at: now(),
        id: prefixedId('handoff_'),
        previous_agent_id: responder.agentId ?? '',
        previous_agent_name: responder.agentName ?? '',
        next_agent_id: target.id,
        next_agent_name: name,
      });
      if (input.handoffExecution === 'client') return finish(noUsage);
      responder = agentResponder(config);
      messages = messagesFor(responder);
      break;
    }
  }

  if (userMessage || last?.type === 'agent.handoff') {
    const tool = chooseTool(platformTools(responder.tools, ctx.runtime.connectors), prompt);
    if (tool) {
      const args = toolArguments(prompt);
      if (tool.requiresConfirmation) {
        outputs.push({
          object: 'entry',
          type: 'function.call',
          created_at: now(),
          completed_at: now(),
          id: prefixedId('fc_'),
          agent_id: responder.agentId ?? null,
          model: responder.model,
          tool_call_id: prefixedId('call_'),
          name: tool.name,
          arguments: args,
          confirmation_status: 'pending',
        });
        return finish(noUsage);
      }
      const id = prefixedId('tool_exec_');
      const result = toolOutput(tool.name, args);
      outputs.push(toolExecutionEntry(now(), id, responder, tool.name, args, { result }));
      messages = [
        ...messages,
        { role: 'assistant', content: '', toolCalls: [{ id, name: tool.name, arguments: args }] },
        { role: 'tool', content: result, toolCallId: id, name: tool.name },
      ];
    }
  }

  const settings = {
    ...responder.completionArgs,
    ...(input.completionArgs ?? {}),
  } as CompletionSettings;
  const request = toModelRequest(
    responder.model,
    messages,
    {},
    settings,
    functionTools(responder.tools),
  );
  const turn = await runModelTurn(
    ctx,
    {
      endpoint: 'conversations',
      model: responder.model,
      agentId: responder.agentId,
      agentName: responder.agentName,
      lastUserMessage: prompt,
      step: turnStep(messages),
    },
    request,
  );
  if (!turn) return undefined;
  const choice = turn.choices[0]!;
  if (choice.toolCalls.length > 0) {
    for (const call of choice.toolCalls) {
      outputs.push({
        object: 'entry',
        type: 'function.call',
        created_at: now(),
        completed_at: now(),
        id: prefixedId('fc_'),
        agent_id: responder.agentId ?? null,
        model: responder.model,
        tool_call_id: call.id,
        name: call.name,
        arguments: call.arguments,
      });
    }
  } else {
    const id = prefixedId('msg_');
    pieces.set(id, choice.pieces);
    outputs.push({
      object: 'entry',
      type: 'message.output',
      created_at: now(),
      completed_at: now(),
      id,
      agent_id: responder.agentId ?? null,
      model: responder.model,
      role: 'assistant',
      content: choice.content,
    });
  }
  return finish(turn.usage);
}

/** A `tool.execution` entry; `info.result` holds the scripted output. */
function toolExecutionEntry(
  time: string,
  id: string,
  responder: Responder,
  name: string,
  args: string,
  info: Json,
): Json {
  return {
    object: 'entry',
    type: 'tool.execution',
    created_at: time,
    completed_at: time,
    id,
    agent_id: responder.agentId ?? null,
    model: responder.model,
    name,
    arguments: args,
    info,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
