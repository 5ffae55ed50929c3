import { apiError, notFound } from '../http/http-error.js';

type Json = Record<string, unknown>;

/** One item of an append's `tool_confirmations` (already validated against the schema). */
export interface ToolConfirmation {
  tool_call_id: string;
  confirmation: 'allow' | 'deny';
}

/** A call the client decided on: its `function.call` entry (updated) and the decision. */
export interface DecidedCall {
  entry: Json;
  allowed: boolean;
}

/**
 * Applies an append's confirmations to the conversation's entries, without changing them: returns
 * the entries with each decided `function.call` replaced by a copy whose `confirmation_status` is
 * `allowed` or `denied`, and the decided calls in the order given. Throws, before anything is
 * applied, a 404 (`not_found`) for a `tool_call_id` no `function.call` entry has, and a 409
 * (`tool_call_not_pending`) for a call that is not waiting for a confirmation: already decided
 * (earlier, or twice in the same request), or one that never needed any.
 */
export function applyConfirmations(
  entries: Json[],
  confirmations: readonly ToolConfirmation[],
): { entries: Json[]; decided: DecidedCall[] } {
  const updated = [...entries];
  const decided: DecidedCall[] = [];
  for (const { tool_call_id: id, confirmation } of confirmations) {
    const index = updated.findIndex((e) => e.type === 'function.call' && e.tool_call_id === id);
    if (index < 0) throw notFound('Tool call', id);
    const entry = updated[index]!;
    const status = entry.confirmation_status;
    if (status !== 'pending') {
      const state =
        status === 'allowed' || status === 'denied'
          ? `it was already ${status}`
          : 'it needs no confirmation';
      throw apiError(409, `Tool call ${id} is not waiting for a confirmation: ${state}`, {
        code: 'tool_call_not_pending',
        param: 'tool_confirmations',
      });
    }
    const copy = { ...entry, confirmation_status: confirmation === 'allow' ? 'allowed' : 'denied' };
    updated[index] = copy;
    decided.push({ entry: copy, allowed: confirmation === 'allow' });
  }
  return { entries: updated, decided };
}
