import { agentJson, type StoredAgent } from '../agents/agent-store.js';
import type { ModelRequest } from '../model/model-request.js';
import type { ScenarioEndpoint } from '../scenarios/scenario.js';
import type { ScenarioInput } from '../scenarios/scenario-matcher.js';
import {
  lastUserMessage,
  toModelMessages,
  toModelRequest,
  turnStep,
  type CompletionSettings,
} from './to-model-request.js';

type Json = Record<string, unknown>;

/** A validated completion request, ready for the model. */
export interface PreparedCompletion {
  model: string;
  request: ModelRequest;
  scenario: ScenarioInput;
}

/** A chat completion body (already validated). */
export function prepareChat(body: Json, endpoint: ScenarioEndpoint = 'chat'): PreparedCompletion {
  const model = body.model as string;
  const messages = toModelMessages(body.messages as Json[]);
  return {
    model,
    request: toModelRequest(model, messages, body),
    scenario: {
      endpoint,
      model,
      lastUserMessage: lastUserMessage(messages),
      step: turnStep(messages),
    },
  };
}

/**
 * An agents completion body (already validated): the agent's model, instructions (as a system
 * message), tools and `completion_args` apply wherever the request does not set its own.
 */
export function prepareAgent(
  body: Json,
  agent: StoredAgent,
  endpoint: ScenarioEndpoint = 'agents',
): PreparedCompletion {
  const config = agentJson(agent);
  const model = config.model as string;
  const messages = toModelMessages(body.messages as Json[]);
  const instructions = config.instructions;
  if (typeof instructions === 'string' && instructions !== '' && messages[0]?.role !== 'system') {
    messages.unshift({ role: 'system', content: instructions });
  }
  const withTools =
    body.tools === undefined || body.tools === null ? { ...body, tools: config.tools } : body;
  return {
    model,
    request: toModelRequest(
      model,
      messages,
      withTools,
      config.completion_args as CompletionSettings,
    ),
    scenario: {
      endpoint,
      model,
      agentId: agent.id,
      agentName: config.name as string,
      lastUserMessage: lastUserMessage(messages),
      step: turnStep(messages),
    },
  };
}
