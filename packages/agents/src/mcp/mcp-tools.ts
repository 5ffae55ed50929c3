import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Ajv, type ErrorObject } from 'ajv';
import { z } from 'zod';
import { AgentsError } from '../errors.js';
import type { AnyTool, ToolContext } from '../tools/define-tool.js';

/** One tool as an MCP server lists it (`tools/list`). */
export interface McpToolInfo {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; [key: string]: unknown };
}

export interface McpToolsOptions {
  /** Only these MCP tools (by their MCP name); default every tool the server lists. */
  include?: readonly string[];
  /**
   * Put before every tool name the model sees, e.g. `github_`, to keep two servers' tools apart.
   * The model's names allow letters, digits, `_` and `-` (at most 64): any other character of an
   * MCP name becomes `_`.
   */
  prefix?: string;
  /**
   * Whether a call waits for `approve(callId)` / `reject(callId)` before it runs, as with
   * `defineTool`: `true`, `false` (the default), or a function of the tool and the arguments.
   */
  needsApproval?: boolean | ((tool: McpToolInfo, args: Record<string, unknown>) => boolean);
  /** Milliseconds before a call is abandoned and reported to the model as timed out (default 30 s). */
  timeoutMs?: number;
  /** Milliseconds to wait for the server's tool list (default 10 s). */
  listTimeoutMs?: number;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ajv = new Ajv({ allErrors: true, strict: false });

/**
 * The tools of a connected MCP server (the official `@modelcontextprotocol/sdk` `Client`, over
 * stdio, streamable HTTP or any transport) as conversation tools. Each call is validated against
 * the tool's JSON schema before it is sent, runs under `timeoutMs` with the conversation's abort
 * signal, and follows the same approval rule as `defineTool`. A result with `isError`, a server
 * that fails or a timeout becomes a tool message the model reads, never a crash.
 *
 * Rejects with `AgentsError`: `mcp_unavailable` when the server cannot list its tools (it names
 * the server and the cause), `mcp_tool_invalid` when a listed tool has a schema that is not a
 * valid JSON schema of an object, a name the model cannot use, or the name of another tool.
 *
 * @example
 * const client = new Client({ name: 'my-app', version: '1.0.0' });
 * await client.connect(new StdioClientTransport({ command: 'node', args: ['server.js'] }));
 * const tools = await mcpTools(client, { prefix: 'files_' });
 * const chat = createConversation({ client: mistral, model: 'mistral-small-latest', tools });
 */
export async function mcpTools(client: Client, options: McpToolsOptions = {}): Promise<AnyTool[]> {
  const server = serverName(client);
  const listed = await listAllTools(client, server, options.listTimeoutMs ?? 10_000);
  const include = options.include ? new Set(options.include) : undefined;
  if (include) {
    const missing = [...include].filter((name) => !listed.some((tool) => tool.name === name));
    if (missing.length > 0) {
      throw new AgentsError(
        'mcp_tool_invalid',
        `MCP server ${server} has no tool named ${missing.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
  }
  const tools: AnyTool[] = [];
  const names = new Set<string>();
  for (const info of listed) {
    if (include && !include.has(info.name)) continue;
    const tool = toTool(client, server, info, options);
    if (names.has(tool.name)) {
      throw new AgentsError(
        'mcp_tool_invalid',
        `MCP server ${server}: two tools are named "${tool.name}" for the model`,
      );
    }
    names.add(tool.name);
    tools.push(tool);
  }
  return tools;
}

function serverName(client: Client): string {
  const version = client.getServerVersion();
  return version ? `"${version.name}"` : '(not connected)';
}

async function listAllTools(client: Client, server: string, timeout: number) {
  const tools: McpToolInfo[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout });
      tools.push(...(page.tools as McpToolInfo[]));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  } catch (error) {
    const schema = isSchemaError(error);
    throw new AgentsError(
      schema ? 'mcp_tool_invalid' : 'mcp_unavailable',
      schema
        ? `MCP server ${server} listed tools that do not match the MCP schema: ${firstLine(error)}`
        : `MCP server ${server} did not list its tools: ${firstLine(error)}`,
      { cause: error },
    );
  }
  return tools;
}

function toTool(
  client: Client,
  server: string,
  info: McpToolInfo,
  options: McpToolsOptions,
): AnyTool {
  const name = `${options.prefix ?? ''}${info.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!NAME.test(name)) {
    throw new AgentsError(
      'mcp_tool_invalid',
      `MCP server ${server}: tool "${info.name}" gives the name "${name}", which is not 1 to 64 letters, digits, "_" or "-"`,
    );
  }
  const schema = info.inputSchema;
  if (typeof schema !== 'object' || schema === null || schema.type !== 'object') {
    throw new AgentsError(
      'mcp_tool_invalid',
      `MCP server ${server}: tool "${info.name}" has an input schema that is not an object schema`,
    );
  }
  let validate: ReturnType<Ajv['compile']>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new AgentsError(
      'mcp_tool_invalid',
      `MCP server ${server}: tool "${info.name}" has an invalid input schema: ${firstLine(error)}`,
      { cause: error },
    );
  }
  const parameters = z.record(z.string(), z.unknown()).superRefine((value, context) => {
    if (validate(value)) return;
    for (const problem of validate.errors ?? []) {
      context.addIssue({ code: 'custom', message: describe(problem), path: pathOf(problem) });
    }
  });
  const description = info.description?.trim() || `The MCP tool ${info.name} of ${server}`;
  const needsApproval = options.needsApproval ?? false;
  const { $schema: _ignored, ...jsonSchema } = schema;
  return {
    name,
    description,
    parameters,
    jsonSchema,
    timeoutMs: options.timeoutMs ?? 30_000,
    needsApproval: (args: Record<string, unknown>) =>
      typeof needsApproval === 'function' ? needsApproval(info, args) : needsApproval,
    execute: (args: Record<string, unknown>, context: ToolContext) =>
      callTool(client, info.name, args, context),
    toApiTool: () => ({
      type: 'function' as const,
      function: { name, description, parameters: jsonSchema },
    }),
  };
}

async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<string> {
  // The tool's own timeout aborts `context.signal`; the MCP request timeout is only a backstop.
  const result = await client.callTool({ name, arguments: args }, undefined, {
    signal: context.signal,
    timeout: 24 * 3_600_000,
  });
  const text =
    'content' in result && Array.isArray(result.content)
      ? result.content.map(contentText).join('\n')
      : JSON.stringify('toolResult' in result ? result.toolResult : result);
  if ('isError' in result && result.isError === true) throw new Error(text || 'the tool failed');
  if (text === '' && 'structuredContent' in result && result.structuredContent !== undefined) {
    return JSON.stringify(result.structuredContent);
  }
  return text;
}

function contentText(part: { type: string; [key: string]: unknown }): string {
  switch (part.type) {
    case 'text':
      return String(part.text);
    case 'resource': {
      const resource = part.resource as { uri: string; text?: string; mimeType?: string };
      return resource.text ?? `[resource ${resource.uri}${mime(resource.mimeType)}]`;
    }
    case 'resource_link':
      return `[resource ${String(part.uri)}${mime(part.mimeType as string | undefined)}]`;
    default:
      return `[${part.type}${mime(part.mimeType as string | undefined)}]`;
  }
}

const mime = (type: string | undefined) => (type ? `, ${type}` : '');

function describe(problem: ErrorObject): string {
  if (problem.keyword === 'required') return 'is required';
  if (problem.keyword === 'additionalProperties') {
    return `unknown property "${String(problem.params.additionalProperty)}"`;
  }
  return problem.message ?? problem.keyword;
}

function pathOf(problem: ErrorObject): string[] {
  const path = problem.instancePath.split('/').slice(1);
  if (problem.keyword === 'required') path.push(String(problem.params.missingProperty));
  return path.map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isSchemaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'ZodError' || name === '$ZodError';
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
