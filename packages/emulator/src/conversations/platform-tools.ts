import type { ConnectorStore } from '../connectors/connector-store.js';
import { asString } from '../http/as-string.js';

type Json = Record<string, unknown>;

/**
 * A tool the platform runs for the model (a built-in or a connector's tool), as the scripted
 * model sees it: when to call it, and whether a call waits for the client's confirmation.
 */
export interface PlatformTool {
  /** The name in entries and events: the built-in's type, or the connector's tool name. */
  name: string;
  kind: 'built-in' | 'connector';
  /** A user message that matches asks for this tool. */
  trigger: RegExp;
  /** The tool's `tool_configuration.requires_confirmation` lists its name. */
  requiresConfirmation: boolean;
}

const searchWords = /\b(search|web|internet|online|latest|news|look up)\b/i;

/** Keywords that make the model use a built-in tool (a Map: tool types come from clients). */
const builtInTriggers = new Map([
  ['web_search', searchWords],
  ['web_search_premium', searchWords],
  ['code_interpreter', /\b(code|python|calculate|compute|execute|plot|code[ _]interpreter)\b/i],
  ['image_generation', /\b(image|picture|draw|drawing|illustration|photo|image[ _]generation)\b/i],
  ['document_library', /\b(document|documents|library|libraries|document[ _]library)\b/i],
]);

/** True for the types of Mistral's built-in tools. */
export function isBuiltIn(type: string): boolean {
  return builtInTriggers.has(type);
}

/** A name as words: `issue-tracker` and `issue_tracker` match "issue tracker" too. */
function nameTrigger(...names: (string | null)[]): RegExp {
  const alternatives = names
    .filter((n): n is string => typeof n === 'string' && n.length > 0)
    .map((n) =>
      n
        .split(/[-_\s]+/)
        .filter(Boolean)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[-_\\s]+'),
    );
  return new RegExp(`\\b(${alternatives.join('|')})\\b`, 'i');
}

function listed(list: unknown, name: string): boolean {
  return Array.isArray(list) && list.includes(name);
}

/**
 * The platform tools of a tool list, in order: built-ins by type, connectors (by id or name) that
 * exist. `tool_configuration.include` (when given) and `exclude` filter them by name.
 */
export function platformTools(tools: Json[], connectors: ConnectorStore): PlatformTool[] {
  const result: PlatformTool[] = [];
  for (const tool of tools) {
    const type = asString(tool.type, 'function');
    const config = (tool.tool_configuration as Json | null | undefined) ?? {};
    let candidate: PlatformTool | undefined;
    if (type === 'connector') {
      const connector = connectors.find(asString(tool.connector_id));
      if (!connector) continue;
      candidate = {
        name: connector.name,
        kind: 'connector',
        trigger: nameTrigger(connector.name, connector.title),
        requiresConfirmation: false,
      };
    } else {
      const words = builtInTriggers.get(type);
      if (!words) continue;
      candidate = { name: type, kind: 'built-in', trigger: words, requiresConfirmation: false };
    }
    if (Array.isArray(config.include) && !listed(config.include, candidate.name)) continue;
    if (listed(config.exclude, candidate.name)) continue;
    candidate.requiresConfirmation = listed(config.requires_confirmation, candidate.name);
    result.push(candidate);
  }
  return result;
}

/** The first platform tool the user message asks for. */
export function chooseTool(tools: PlatformTool[], prompt: string): PlatformTool | undefined {
  return tools.find((tool) => tool.trigger.test(prompt));
}

/** The arguments of a scripted call: the user message as the query. */
export function toolArguments(prompt: string): string {
  return JSON.stringify({ query: prompt });
}

/** The scripted output of a platform tool call, from its name and its `query` argument. */
export function toolOutput(name: string, args: string): string {
  let query = '';
  try {
    const parsed: unknown = JSON.parse(args);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      query = asString((parsed as Json).query);
  } catch {
    // arguments that are not JSON: no query to quote
  }
  const subject = query.length > 80 ? `${query.slice(0, 77)}...` : query;
  switch (name) {
    case 'web_search':
    case 'web_search_premium':
      return `3 web results were found for "${subject}"`;
    case 'code_interpreter':
      return `the code ran without errors for "${subject}"`;
    case 'image_generation':
      return `an image was generated for "${subject}"`;
    case 'document_library':
      return `the library has 3 documents about "${subject}"`;
    default:
      return `the ${name} connector returned 3 results for "${subject}"`;
  }
}
