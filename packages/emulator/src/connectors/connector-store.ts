import { isoTime } from '../http/clock.js';
import { uuid } from '../http/ids.js';

type Json = Record<string, unknown>;

/** A stored MCP connector: what was created or last updated. */
export interface StoredConnector {
  id: string;
  name: string;
  title: string | null;
  description: string;
  server: string;
  iconUrl: string | null;
  visibility: string;
  systemPrompt: string | null;
  createdAt: number;
  modifiedAt: number;
}

/** The fields an update may change, in the API's names. */
const updatable = new Map<string, keyof StoredConnector>([
  ['name', 'name'],
  ['title', 'title'],
  ['description', 'description'],
  ['server', 'server'],
  ['icon_url', 'iconUrl'],
  ['system_prompt', 'systemPrompt'],
]);

/**
 * Connectors in memory, in creation order, found by id or by name. The emulator contacts no MCP
 * server: each connector offers one scripted tool named like the connector.
 */
export class ConnectorStore {
  private readonly connectors = new Map<string, StoredConnector>();

  constructor(private readonly now: () => number) {}

  get size(): number {
    return this.connectors.size;
  }

  create(body: Json): StoredConnector {
    const now = this.now();
    const connector: StoredConnector = {
      id: uuid(),
      name: body.name as string,
      title: (body.title as string | null | undefined) ?? null,
      description: body.description as string,
      server: body.server as string,
      iconUrl: (body.icon_url as string | null | undefined) ?? null,
      visibility: (body.visibility as string | undefined) ?? 'private',
      systemPrompt: (body.system_prompt as string | null | undefined) ?? null,
      createdAt: now,
      modifiedAt: now,
    };
    this.connectors.set(connector.id, connector);
    return connector;
  }

  /** By id, else by name. */
  find(idOrName: string): StoredConnector | undefined {
    return this.connectors.get(idOrName) ?? this.byName(idOrName);
  }

  byName(name: string): StoredConnector | undefined {
    for (const connector of this.connectors.values()) if (connector.name === name) return connector;
    return undefined;
  }

  get(id: string): StoredConnector | undefined {
    return this.connectors.get(id);
  }

  list(): StoredConnector[] {
    return [...this.connectors.values()];
  }

  /** Changes the fields the body sets; null leaves a required field (name, description, server) as it is. */
  update(connector: StoredConnector, body: Json): StoredConnector {
    for (const [field, key] of updatable) {
      if (!Object.hasOwn(body, field)) continue;
      const value = body[field];
      if (value === null && (key === 'name' || key === 'description' || key === 'server')) continue;
      (connector as unknown as Json)[key] = value ?? null;
    }
    connector.modifiedAt = this.now();
    return connector;
  }

  delete(id: string): boolean {
    return this.connectors.delete(id);
  }

  clear(): void {
    this.connectors.clear();
  }
}

/** The one scripted tool of a connector, as the API's ConnectorTool. */
export function connectorToolJson(c: StoredConnector): Json {
  return {
    id: `${c.id}:${c.name}`,
    name: c.name,
    description: `Searches ${c.title ?? c.name} (scripted by the emulator).`,
    system_prompt: null,
    locale: null,
    jsonschema: {
      type: 'object',
      properties: { query: { type: 'string' } },
      required: ['query'],
    },
    execution_config: { type: 'mcp' },
    visibility: c.visibility,
    created_at: isoTime(c.createdAt),
    modified_at: isoTime(c.modifiedAt),
    active: true,
  };
}

/** The API's Connector object (an MCP connector). */
export function connectorJson(c: StoredConnector): Json {
  return {
    id: c.id,
    name: c.name,
    title: c.title,
    description: c.description,
    created_at: isoTime(c.createdAt),
    modified_at: isoTime(c.modifiedAt),
    server: c.server,
    protocol: 'mcp',
    icon_url: c.iconUrl,
    owner_id: null,
    owner_type: 'user',
    visibility: c.visibility,
    creator_id: null,
    system_prompt: c.systemPrompt,
    active: true,
    private_tool_execution: false,
    mistral: false,
    is_authenticated: true,
    tools: [connectorToolJson(c)],
  };
}
