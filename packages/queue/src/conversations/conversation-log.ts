import type { ConversationEmitted } from '@mistral-flows/agents';
import type { ActionOutcome, ConversationAction } from './conversation-action.js';

/**
 * One record of a conversation's event log (a Redis Stream), as `events(id)` and `serveSSE` give
 * it: the conversation's own turn events (`turn-start`, `text-delta`, `tool-call`,
 * `approval-required`, `tool-result`, `turn-end`, `turn-error`, `retry`, `restart`, `handoff`),
 * each with the action it belongs to, framed by `action-start` and `action-end`. An
 * `action-start` with `resumed: true` means another worker took the action over after a crash:
 * text streamed before it may be repeated, as after a `restart`.
 */
export type ConversationLogEvent =
  | (ConversationEmitted & { conversationId: string; seq: number })
  | {
      type: 'action-start';
      conversationId: string;
      seq: number;
      action: ConversationAction['type'];
      resumed: boolean;
      /** On a takeover after a crash: the id of the worker that held the action before. */
      takenOverFrom?: string;
      /** When the worker started (or resumed) the action: `Date.now()` on its machine. */
      at: number;
    }
  | { type: 'action-end'; conversationId: string; seq: number; outcome: ActionOutcome };
