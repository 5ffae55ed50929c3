import { InvalidArgumentError } from '@mistral-flows/core';
import { z } from 'zod';
import { AgentsError } from '../errors.js';

/** What a tool's `execute` receives besides its arguments. */
export interface ToolContext {
  /** The conversation the call belongs to. */
  conversationId: string;
  /** The model's id for this call (`tool_call_id`). */
  callId: string;
  /** Aborted on timeout, cancel, or shutdown: long-running tools should honour it. */
  signal: AbortSignal;
}

export interface ToolSpec<Schema extends z.ZodType> {
  /** The function name the model calls: letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  /** What the tool does; the model decides when to call it from this. */
  description: string;
  /** A zod object schema: the JSON schema sent to the API, and the validator of the model's arguments. */
  parameters: Schema;
  /** Runs the tool. Return a string, or any JSON value (sent to the model as JSON). */
  execute: (args: z.output<Schema>, context: ToolContext) => unknown;
  /** A human must approve each call (`tool.approve` / `tool.reject`) before it runs. */
  needsApproval?: boolean | ((args: z.output<Schema>) => boolean);
  /** Milliseconds before a call is abandoned and reported to the model as timed out (default 30 s). */
  timeoutMs?: number;
}

/** A tool, ready for the conversation machine and for the API. */
export interface Tool<Schema extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly parameters: Schema;
  /** The JSON schema of `parameters`, as sent to the API. */
  readonly jsonSchema: Record<string, unknown>;
  // Method syntax on purpose: a Tool<ZodObject<...>> must be usable where any tool is expected.
  execute(args: z.output<Schema>, context: ToolContext): unknown;
  needsApproval(args: z.output<Schema>): boolean;
  readonly timeoutMs: number;
  /** The `tools[]` entry for chat and agent requests. */
  toApiTool(): {
    type: 'function';
    function: { name: string; description: string; parameters: Record<string, unknown> };
  };
}

/** Any tool, whatever its schema (for lists of tools). */
export type AnyTool = Tool<z.ZodType>;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Defines a tool the model can call. The JSON schema for the API is derived from the zod schema,
 * and the model's arguments are validated against it before `execute` runs: invalid arguments,
 * an unknown tool name, a thrown error or a timeout become a tool message the model reads
 * (with the reason), never a crash of the conversation.
 *
 * @example
 * const searchCodebase = defineTool({
 *   name: 'search_codebase',
 *   description: 'Search the codebase for patterns',
 *   parameters: z.object({ query: z.string() }),
 *   execute: async ({ query }) => grep(query),
 * });
 */
export function defineTool<Schema extends z.ZodType>(spec: ToolSpec<Schema>): Tool<Schema> {
  if (typeof spec !== 'object' || spec === null) {
    throw new InvalidArgumentError('tool', 'expected a tool specification object');
  }
  const {
    name,
    description,
    parameters,
    execute,
    needsApproval = false,
    timeoutMs = 30_000,
  } = spec;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new AgentsError(
      'tool_invalid',
      `A tool needs a name of 1 to 64 letters, digits, "_" or "-"; got ${JSON.stringify(name)}`,
    );
  }
  if (typeof description !== 'string' || description.trim() === '') {
    throw new AgentsError(
      'tool_invalid',
      `Tool "${name}" needs a description: the model chooses tools by it`,
    );
  }
  if (typeof execute !== 'function') {
    throw new AgentsError('tool_invalid', `Tool "${name}" needs an execute function`);
  }
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new AgentsError(
      'tool_invalid',
      `Tool "${name}": timeoutMs must be a positive number, got ${String(timeoutMs)}`,
    );
  }
  const jsonSchema = toJsonSchema(name, parameters);
  const approval = typeof needsApproval === 'function' ? needsApproval : () => needsApproval;
  return {
    name,
    description,
    parameters,
    jsonSchema,
    execute,
    needsApproval: approval,
    timeoutMs,
    toApiTool: () => ({
      type: 'function',
      function: { name, description, parameters: jsonSchema },
    }),
  };
}

function toJsonSchema(name: string, parameters: z.ZodType): Record<string, unknown> {
  if (!parameters || typeof parameters !== 'object' || !('_zod' in parameters)) {
    throw new AgentsError(
      'tool_invalid',
      `Tool "${name}": parameters must be a zod schema (zod 4)`,
    );
  }
  let schema: Record<string, unknown>;
  try {
    schema = z.toJSONSchema(parameters, { io: 'input' });
  } catch (error) {
    throw new AgentsError(
      'tool_invalid',
      `Tool "${name}": its zod schema cannot be converted to JSON schema (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  if (schema.type !== 'object') {
    throw new AgentsError(
      'tool_invalid',
      `Tool "${name}": parameters must be a zod object schema (z.object({...})), got JSON schema type ${JSON.stringify(schema.type)}`,
    );
  }
  delete schema.$schema;
  return stripSafeIntegerBounds(schema) as Record<string, unknown>;
}

/** zod writes ±2^53-1 bounds on every integer; they only add noise to the API schema. */
function stripSafeIntegerBounds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripSafeIntegerBounds);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (
      (key === 'minimum' && value === Number.MIN_SAFE_INTEGER) ||
      (key === 'maximum' && value === Number.MAX_SAFE_INTEGER)
    ) {
      continue;
    }
    out[key] = stripSafeIntegerBounds(value);
  }
  return out;
}

/** Checks a list of tools: unique names. */
export function indexTools(tools: readonly AnyTool[]): Map<string, AnyTool> {
  const byName = new Map<string, AnyTool>();
  for (const tool of tools) {
    if (!tool || typeof tool.name !== 'string' || typeof tool.toApiTool !== 'function') {
      throw new AgentsError('tool_invalid', 'Every tool must come from defineTool()');
    }
    if (byName.has(tool.name)) {
      throw new AgentsError('tool_duplicate', `Two tools are named "${tool.name}"`);
    }
    byName.set(tool.name, tool);
  }
  return byName;
}
