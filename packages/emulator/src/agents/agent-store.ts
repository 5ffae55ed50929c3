import { isoTime } from '../http/clock.js';
import { prefixedId } from '../http/ids.js';

type Json = Record<string, unknown>;

/** The fields of one agent version, as the API returns them. */
export interface AgentFields {
  name: string;
  model: string;
  instructions: string | null;
  tools: Json[];
  completion_args: Json;
  guardrails: Json[] | null;
  description: string | null;
  handoffs: string[] | null;
  metadata: Json | null;
  version_message: string | null;
  deployment_chat: boolean;
}

interface AgentVersion {
  version: number;
  updatedAt: number;
  fields: AgentFields;
}

interface AgentAlias {
  alias: string;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** A stored agent with all its versions. */
export interface StoredAgent {
  id: string;
  createdAt: number;
  versions: AgentVersion[];
  active: number;
  aliases: Map<string, AgentAlias>;
}

const fieldNames: (keyof AgentFields)[] = [
  'name',
  'model',
  'instructions',
  'tools',
  'completion_args',
  'guardrails',
  'description',
  'handoffs',
  'metadata',
  'version_message',
  'deployment_chat',
];

/**
 * Agents in memory. Create gives version 0; each update adds version n+1 and makes it active;
 * `setActive` switches the active version; aliases name versions.
 */
export class AgentStore {
  private readonly agents = new Map<string, StoredAgent>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.agents.size;
  }

  create(body: Json): StoredAgent {
    const now = this.now();
    const fields: AgentFields = {
      name: body.name as string,
      model: body.model as string,
      instructions: (body.instructions as string | null | undefined) ?? null,
      tools: (body.tools as Json[] | undefined) ?? [],
      completion_args: (body.completion_args as Json | undefined) ?? {},
      guardrails: (body.guardrails as Json[] | null | undefined) ?? null,
      description: (body.description as string | null | undefined) ?? null,
      handoffs: (body.handoffs as string[] | null | undefined) ?? null,
      metadata: (body.metadata as Json | null | undefined) ?? null,
      version_message: (body.version_message as string | null | undefined) ?? null,
      deployment_chat: false,
    };
    const agent: StoredAgent = {
      id: prefixedId('ag_'),
      createdAt: now,
      versions: [{ version: 0, updatedAt: now, fields }],
      active: 0,
      aliases: new Map(),
    };
    this.agents.set(agent.id, agent);
    return agent;
  }

  get(id: string): StoredAgent | undefined {
    return this.agents.get(id);
  }

  list(): StoredAgent[] {
    return [...this.agents.values()];
  }

  /** Adds a version with the given fields changed (null clears a field; name and model keep theirs). */
  update(agent: StoredAgent, body: Json): StoredAgent {
    const current = this.version(agent, agent.active)!.fields;
    const fields: AgentFields = { ...current, version_message: null };
    for (const name of fieldNames) {
      if (!Object.hasOwn(body, name)) continue;
      const value = body[name];
      if (value === null && (name === 'name' || name === 'model' || name === 'deployment_chat'))
        continue;
      if (name === 'tools' || name === 'completion_args') {
        (fields as unknown as Json)[name] = value ?? (name === 'tools' ? [] : {});
      } else {
        (fields as unknown as Json)[name] = value;
      }
    }
    const version = Math.max(...agent.versions.map((v) => v.version)) + 1;
    agent.versions.push({ version, updatedAt: this.now(), fields });
    agent.active = version;
    return agent;
  }

  delete(id: string): boolean {
    return this.agents.delete(id);
  }

  version(agent: StoredAgent, version: number): AgentVersion | undefined {
    return agent.versions.find((v) => v.version === version);
  }

  /** Resolves a version number, a numeric string or an alias; undefined when unknown. */
  resolveVersion(agent: StoredAgent, ref: string | number | null | undefined): number | undefined {
    if (ref === undefined || ref === null || ref === '') return agent.active;
    if (typeof ref === 'number') return this.version(agent, ref) ? ref : undefined;
    if (/^\d+$/.test(ref)) return this.resolveVersion(agent, Number(ref));
    return agent.aliases.get(ref)?.version;
  }

  setAlias(agent: StoredAgent, alias: string, version: number): AgentAlias {
    const now = this.now();
    const existing = agent.aliases.get(alias);
    const entry: AgentAlias = {
      alias,
      version,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    agent.aliases.set(alias, entry);
    return entry;
  }

  clear(): void {
    this.agents.clear();
  }
}

/** The API's Agent object for one version. */
export function agentJson(agent: StoredAgent, version = agent.active): Json {
  const v =
    agent.versions.find((x) => x.version === version) ?? agent.versions[agent.versions.length - 1]!;
  const { deployment_chat, ...fields } = v.fields;
  return {
    object: 'agent',
    id: agent.id,
    ...fields,
    version: v.version,
    versions: agent.versions.map((x) => x.version),
    created_at: isoTime(agent.createdAt),
    updated_at: isoTime(v.updatedAt),
    deployment_chat,
    source: 'api',
  };
}

export function aliasJson(alias: AgentAlias): Json {
  return {
    alias: alias.alias,
    version: alias.version,
    created_at: isoTime(alias.createdAt),
    updated_at: isoTime(alias.updatedAt),
  };
}
