import { MistralFlowsError } from '@mistral-flows/core';

export type AgentsErrorCode =
  | 'tool_invalid'
  | 'tool_duplicate'
  | 'conversation_failed'
  | 'conversation_busy'
  | 'conversation_not_found'
  | 'conversation_cancelled'
  | 'conversation_exists'
  | 'conversation_conflict'
  | 'conversation_persist_failed'
  | 'conversation_closed'
  | 'conversation_idle'
  | 'approval_unknown_call'
  /** An MCP server could not be reached, or stopped answering while its tools were listed. */
  /** An agent team whose handoffs name unknown agents, or whose handoff cap is not a whole number. */
  | 'team_invalid'
  | 'mcp_unavailable'
  /** An MCP server listed a tool that cannot be offered to the model (schema, name, duplicate). */
  | 'mcp_tool_invalid';

const brand = Symbol.for('mistral-flows.error.agents');

/**
 * An error of the agents package: a tool that cannot be defined, a conversation in a state that
 * cannot take the request, a resume of an id the store does not know, a conversation whose
 * record could not be written (another writer's, or a store that keeps failing). `code` says
 * which.
 */
export class AgentsError extends MistralFlowsError<AgentsErrorCode> {
  constructor(code: AgentsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    Object.defineProperty(this, brand, { value: true });
    this.name = 'AgentsError';
  }

  static override isInstance(error: unknown): error is AgentsError {
    return typeof error === 'object' && error !== null && brand in error;
  }
}
