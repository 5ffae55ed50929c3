import { InvalidArgumentError } from '@mistral-flows/core';
import type { Mistral } from '@mistralai/mistralai';
import type { Agent } from '@mistralai/mistralai/models/components';
import type { AnyTool } from './tools/define-tool.js';

export interface AgentSpec {
  /** The agent's name: the identity `ensureAgent` looks it up by. */
  name: string;
  model: string;
  instructions?: string;
  description?: string;
  /** Function tools made with `defineTool` (their JSON schemas are stored on the agent). */
  tools?: AnyTool[];
  completionArgs?: { temperature?: number; maxTokens?: number; topP?: number; randomSeed?: number };
  metadata?: Record<string, string>;
}

/**
 * Makes sure an agent with this name exists on the platform and matches `spec`: creates it with
 * `beta.agents.create` when there is none, updates it (a new version) when its model,
 * instructions, description, tools or completion arguments differ, and returns it. Running it
 * again with the same spec changes nothing, so a service can call it at every start.
 */
export async function ensureAgent(client: Mistral, spec: AgentSpec): Promise<Agent> {
  if (!spec || typeof spec.name !== 'string' || spec.name.trim() === '') {
    throw new InvalidArgumentError('name', 'an agent needs a non-empty name');
  }
  if (typeof spec.model !== 'string' || spec.model === '') {
    throw new InvalidArgumentError('model', `agent "${spec.name}" needs a model`);
  }
  const wanted = desired(spec);
  const existing = await findByName(client, spec.name);
  if (!existing) {
    return client.beta.agents.create({ name: spec.name, ...wanted });
  }
  if (sameAgent(existing, wanted)) return existing;
  return client.beta.agents.update({ agentId: existing.id, updateAgentRequest: wanted });
}

function desired(spec: AgentSpec) {
  return {
    model: spec.model,
    ...(spec.instructions !== undefined ? { instructions: spec.instructions } : {}),
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    ...(spec.tools && spec.tools.length > 0 ? { tools: spec.tools.map((t) => t.toApiTool()) } : {}),
    ...(spec.completionArgs ? { completionArgs: spec.completionArgs } : {}),
    ...(spec.metadata ? { metadata: spec.metadata } : {}),
  };
}

async function findByName(client: Mistral, name: string): Promise<Agent | undefined> {
  for (let page = 0; page < 100; page++) {
    const agents = await client.beta.agents.list({ name, page, pageSize: 100 });
    const match = agents
      .filter((a) => a.name === name)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
    if (match) return match;
    if (agents.length < 100) return undefined;
  }
  return undefined;
}

function sameAgent(agent: Agent, wanted: ReturnType<typeof desired>): boolean {
  if (agent.model !== wanted.model) return false;
  if ((agent.instructions ?? undefined) !== wanted.instructions) return false;
  if ((agent.description ?? undefined) !== wanted.description) return false;
  const tools = (agent.tools ?? [])
    .filter((t): t is Extract<typeof t, { type: 'function' }> => t.type === 'function')
    .map((t) =>
      canonical({
        name: t.function.name,
        description: t.function.description,
        parameters: t.function.parameters,
      }),
    );
  const wantedTools = (wanted.tools ?? []).map((t) =>
    canonical({
      name: t.function.name,
      description: t.function.description,
      parameters: t.function.parameters,
    }),
  );
  if (JSON.stringify(tools.sort()) !== JSON.stringify(wantedTools.sort())) return false;
  if (wanted.completionArgs) {
    const current = (agent.completionArgs ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(wanted.completionArgs)) {
      if (current[key] !== value) return false;
    }
  }
  if (wanted.metadata && canonical(agent.metadata ?? {}) !== canonical(wanted.metadata))
    return false;
  return true;
}

function canonical(value: unknown): string {
  return JSON.stringify(sort(value));
}

function sort(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sort);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => [k, sort((value as Record<string, unknown>)[k])]),
  );
}
