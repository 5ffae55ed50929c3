import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

/**
 * This worker no longer holds a conversation's lease: another worker's compare-and-set changed
 * the lease record (its version is not the one this worker last wrote), or this worker could not
 * renew it within the lease duration, after which another worker may take it. The worker stops
 * writing the conversation; its job is run again and the conversation resumes from the store.
 * Loss is seen through the record's version, never by comparing clocks of two machines.
 */
export class LeaseLostError extends MistralFlowsError<'lease_lost'> {
  readonly conversationId: string;
  /** The version this worker expected, and the one it found (undefined when renewal timed out). */
  readonly expectedVersion: number;
  readonly actualVersion: number | undefined;

  constructor(options: {
    conversationId: string;
    expectedVersion: number;
    actualVersion?: number;
    message: string;
    cause?: unknown;
  }) {
    super(
      'lease_lost',
      options.message,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    brandError(this, 'lease-lost');
    this.name = 'LeaseLostError';
    this.conversationId = options.conversationId;
    this.expectedVersion = options.expectedVersion;
    this.actualVersion = options.actualVersion;
  }

  static override isInstance(error: unknown): error is LeaseLostError {
    return hasErrorBrand(error, 'lease-lost');
  }
}
