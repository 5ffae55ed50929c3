import { brand, hasBrand } from './brand.js';
import { MistralFlowsError } from './mistral-flows-error.js';

/** A function was called with an argument it cannot work with; `argument` names it. */
export class InvalidArgumentError extends MistralFlowsError<'invalid_argument'> {
  readonly argument: string;

  constructor(argument: string, message: string, options: { cause?: unknown } = {}) {
    super('invalid_argument', `Invalid ${argument}: ${message}`, options);
    brand(this, 'invalid-argument');
    this.name = 'InvalidArgumentError';
    this.argument = argument;
  }

  static override isInstance(error: unknown): error is InvalidArgumentError {
    return hasBrand(error, 'invalid-argument');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), argument: this.argument };
  }
}
