import type { Turn, TurnError } from '@mistral-flows/agents';

/** What a client asks of a conversation; each is one BullMQ job. */
export type ConversationAction =
  | { type: 'create' }
  | { type: 'send'; text: string }
  | { type: 'approve'; callId: string }
  | { type: 'reject'; callId: string; reason?: string }
  | { type: 'cancel' };

/** A conversation job's data: the action and its number in the conversation's order. */
export interface ConversationJobData {
  conversationId: string;
  /** Numbered from 1 per conversation, in the order clients enqueued them (Redis INCR). */
  seq: number;
  action: ConversationAction;
  /** How many times a worker found the action before this one missing from the queue. */
  gapChecks?: number;
}

/** A tool call waiting for `approve` or `reject`. */
export interface PendingApproval {
  callId: string;
  name: string;
  arguments: string;
}

/**
 * Where the conversation stands once an action has been applied: `idle` after a finished turn
 * (`turn`), `awaitingApproval` with the calls to decide, `failed` with the turn's error, or
 * `error` when the action itself was refused or could not run (`error.code`), `cancelled` or
 * `skipped`.
 */
export interface ActionOutcome {
  conversationId: string;
  seq: number;
  action: ConversationAction['type'];
  status: 'idle' | 'awaitingApproval' | 'failed' | 'error' | 'cancelled' | 'skipped';
  /** The turn that ended with this action, if one did. */
  turn?: Turn;
  pendingApprovals?: PendingApproval[];
  error?: TurnError | { code: string; message: string };
}

/** The receipt of an enqueued action, to wait for its outcome with `client.result()`. */
export interface ActionReceipt {
  conversationId: string;
  seq: number;
  jobId: string;
  /** The conversation's last event id when the action was enqueued: its events come after. */
  afterEventId: number;
  /**
   * The id of the last entry of the conversation's outcome stream when the action was enqueued:
   * `result()` reads from there (from the start when absent).
   */
  afterEndId?: string;
}

/** Names of the Redis keys of the runtime, under `<prefix>:mf-conversations:`. */
export function runtimeKeys(prefix: string, name: string, conversationId: string) {
  const base = `${prefix}:${name}:conversation:${conversationId}`;
  return {
    /** The last action number handed out (INCR). */
    seq: `${base}:seq`,
    /** The highest action number at which a cancel was asked. */
    cancel: `${base}:cancel`,
    /** The Redis Stream of turn events (and its id counter at `<events>:seq`). */
    events: `${base}:events`,
    /**
     * A Redis Stream of the actions' outcomes only (fields `s`: the action number, `d`: the
     * outcome as JSON), which `result()` waits on without waking for every turn event.
     */
    ends: `${base}:ends`,
  };
}

/** The channel on which clients announce a cancel: `<conversationId> <seq>`. */
export const cancelChannel = (prefix: string, name: string) => `${prefix}:${name}:cancels`;

/** The job id of action `seq`: deterministic, so that a job is found (and added) once. */
export const actionJobId = (conversationId: string, seq: number) => `${conversationId}.${seq}`;

/** The default queue name of conversation actions. */
export const DEFAULT_CONVERSATION_QUEUE = 'mistral-conversations';
