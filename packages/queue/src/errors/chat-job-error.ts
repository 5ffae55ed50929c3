import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

export type ChatJobErrorCode =
  /** No job with that id on the queue (never enqueued, or removed after its retention). */
  | 'job_not_found'
  /** The job failed for good (its attempts are spent or its error is not retryable). */
  | 'job_failed'
  /** The job had not finished when the wait's `timeoutMs` ran out; it may still finish. */
  | 'job_wait_timeout';

/** What `waitForChatJob` rejects with. `jobId` names the job; `failedReason` is BullMQ's. */
export class ChatJobError extends MistralFlowsError<ChatJobErrorCode> {
  readonly jobId: string;
  readonly failedReason: string | undefined;

  constructor(code: ChatJobErrorCode, jobId: string, message: string, failedReason?: string) {
    super(code, message);
    brandError(this, 'chat-job');
    this.name = 'ChatJobError';
    this.jobId = jobId;
    this.failedReason = failedReason;
  }

  static override isInstance(error: unknown): error is ChatJobError {
    return hasErrorBrand(error, 'chat-job');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), jobId: this.jobId, failedReason: this.failedReason };
  }
}
