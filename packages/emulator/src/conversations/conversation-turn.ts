import { asString } from '../http/as-string.js';
import { agentJson } from '../agents/agent-store.js';
import {
  functionTools,
  lastUserMessage,
  toModelRequest,
  turnStep,
  type CompletionSettings,
} from '../completions/to-model-request.js';
import { isoTime } from '../http/clock.js';
import { prefixedId } from '../http/ids.js';
import type { ModelMessage } from '../model/model-request.js';
import type { ModelUsage } from '../model/scripted-model.js';
import { runModelTurn } from '../server/model-call.js';
import type { RouteContext } from '../server/route.js';
import { entriesToMessages } from './entries-to-messages.js';

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
  outputs: Json[];
  pieces: Map<string, string[]>;
  usage: ModelUsage;
}

/** Keywords that make the model use a built-in tool it has (a Map: tool types come from clients). */
const builtInTriggers = new Map([
  ['web_search', /\b(search|web|internet|online|latest|news|look up)\b/i],
  ['web_search_premium', /\b(search|web|internet|online|latest|news|look up)\b/i],
  ['code_interpreter', /\b(code|python|calculate|compute|execute|plot)\b/i],
  ['image_generation', /\b(image|picture|draw|drawing|illustration|photo)\b/i],
  ['document_library', /\b(document|documents|library|libraries)\b/i],
]);

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

/**
 * Runs one conversation turn over all entries so far. The model may first hand off to one of the
 * agent's `handoffs` that the user names, then run a built-in tool the user asks for (a
 * `tool.execution` entry), then answer with a `message.output` or `function.call` entries.
 * Returns undefined when a fault already dealt with the request.
 */
export async function runConversationTurn(
  ctx: RouteContext,
  entries: Json[],
  initial: Responder,
  completionArgs: Json | null | undefined,
): Promise<TurnResult | undefined> {
  const now = () => isoTime(ctx.runtime.clock.now());
  const outputs: Json[] = [];
  let responder = initial;
  let messages = entriesToMessages(entries, responder.instructions);
  const prompt = lastUserMessage(messages);
  const lastEntry = entries[entries.length - 1];
  const userTurn = lastEntry?.type === 'message.input';

  if (userTurn && responder.handoffs && responder.handoffs.length > 0) {
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
      responder = agentResponder(config);
      messages = entriesToMessages(entries, responder.instructions);
      break;
    }
  }

  if (userTurn) {
    const builtIn = responder.tools
      .map((t) => asString(t.type, 'function'))
      .find((type) => builtInTriggers.get(type)?.test(prompt));
    if (builtIn) {
      const args = JSON.stringify({ query: prompt });
      const id = prefixedId('tool_exec_');
      outputs.push({
        object: 'entry',
        type: 'tool.execution',
        created_at: now(),
        completed_at: now(),
        id,
        agent_id: responder.agentId ?? null,
        model: responder.model,
        name: builtIn,
        arguments: args,
        info: {},
      });
      messages = [
        ...messages,
        { role: 'assistant', content: '', toolCalls: [{ id, name: builtIn, arguments: args }] },
        { role: 'tool', content: builtInResult(builtIn, prompt), toolCallId: id, name: builtIn },
      ] satisfies ModelMessage[];
    }
  }

  const settings = { ...responder.completionArgs, ...(completionArgs ?? {}) } as CompletionSettings;
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
  const pieces = new Map<string, string[]>();
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
  return { outputs, pieces, usage: turn.usage };
}

function builtInResult(tool: string, prompt: string): string {
  const subject = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt;
  switch (tool) {
    case 'code_interpreter':
      return `the code ran without errors for "${subject}"`;
    case 'image_generation':
      return `an image was generated for "${subject}"`;
    case 'document_library':
      return `the library has 3 documents about "${subject}"`;
    default:
      return `3 web results were found for "${subject}"`;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
