import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

/**
 * - `conversation_not_found`: no conversation with this id was created through a client (or its
 *   record is gone from the store).
 * - `conversation_exists`: `create()` with an id that is already taken.
 * - `action_failed`: the action ran and the conversation refused it or its turn failed
 *   (`reason` holds the conversation's own error code, e.g. `conversation_busy`).
 * - `action_cancelled`: a `cancel()` stopped the action's turn, or the action was still queued.
 * - `action_skipped`: the action's job disappeared from the queue before it ran; later actions
 *   went on without it.
 * - `wait_timeout`: the action had not finished when the wait gave up (it goes on).
 * - `store_unavailable`: the worker's store did not answer at start.
 */
export type ConversationRuntimeErrorCode =
  | 'conversation_not_found'
  | 'conversation_exists'
  | 'action_failed'
  | 'action_cancelled'
  | 'action_skipped'
  | 'wait_timeout'
  | 'store_unavailable';

/** An error of the distributed conversation runtime (workers and clients); `code` says which. */
export class ConversationRuntimeError extends MistralFlowsError<ConversationRuntimeErrorCode> {
  readonly conversationId: string | undefined;
  /** For `action_failed`: the conversation's error code (`conversation_busy`, `rate_limited`...). */
  readonly reason: string | undefined;

  constructor(
    code: ConversationRuntimeErrorCode,
    message: string,
    options: { conversationId?: string; reason?: string; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    brandError(this, 'conversation-runtime');
    this.name = 'ConversationRuntimeError';
    this.conversationId = options.conversationId;
    this.reason = options.reason;
  }

  static override isInstance(error: unknown): error is ConversationRuntimeError {
    return hasErrorBrand(error, 'conversation-runtime');
  }
}
