import { MistralFlowsError } from '@mistral-flows/core';
import { brand, hasBrand } from '../internal/brand.js';

/**
 * A chat job that cannot be enqueued: no messages, a malformed message, both a model and an
 * agent, a job id BullMQ would refuse. `field` names the offending part of the input.
 */
export class InvalidJobError extends MistralFlowsError<'job_invalid'> {
  readonly field: string;

  constructor(field: string, message: string) {
    super('job_invalid', `Invalid chat job (${field}): ${message}`);
    brand(this, 'invalid-job');
    this.name = 'InvalidJobError';
    this.field = field;
  }

  static override isInstance(error: unknown): error is InvalidJobError {
    return hasBrand(error, 'invalid-job');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), field: this.field };
  }
}
