import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

/**
 * A chat job that cannot be enqueued: no messages, a malformed message, both a model and an
 * agent, a job id BullMQ would refuse. `field` names the offending part of the input.
 */
export class InvalidJobError extends MistralFlowsError<'job_invalid'> {
  readonly field: string;

  constructor(field: string, message: string) {
    super('job_invalid', `Invalid chat job (${field}): ${message}`);
    brandError(this, 'invalid-job');
    this.name = 'InvalidJobError';
    this.field = field;
  }

  static override isInstance(error: unknown): error is InvalidJobError {
    return hasErrorBrand(error, 'invalid-job');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}
