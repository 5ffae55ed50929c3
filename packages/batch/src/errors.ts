import { MistralFlowsError } from '@mistral-flows/core';

export type BatchErrorCode =
  | 'batch_input_invalid'
  | 'batch_not_found'
  | 'batch_failed'
  | 'batch_cancelled'
  | 'batch_timed_out'
  | 'batch_key_mismatch'
  | 'store_write_failed';

/** One problem of a batch input: which request (position and custom_id) and what is wrong. */
export interface BatchInputProblem {
  /** 0-based position in the input. */
  index: number;
  customId?: string;
  message: string;
}

const brand = Symbol.for('mistral-flows.error.batch');

/** An error of the batch package; `code` says which. */
export class BatchError extends MistralFlowsError<BatchErrorCode> {
  constructor(code: BatchErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
    Object.defineProperty(this, brand, { value: true });
    this.name = 'BatchError';
  }

  static override isInstance(error: unknown): error is BatchError {
    return typeof error === 'object' && error !== null && brand in error;
  }
}

/**
 * A batch input that cannot be sent: every problem found is listed (all duplicate custom_ids,
 * every invalid body with its position), so that one fix-and-retry is enough. Nothing was
 * uploaded or created.
 */
export class BatchInputError extends BatchError {
  readonly problems: BatchInputProblem[];
  /** custom_ids that appear more than once. */
  readonly duplicates: string[];

  constructor(problems: BatchInputProblem[], duplicates: string[]) {
    const shown = problems
      .slice(0, 5)
      .map((p) => `#${p.index}${p.customId !== undefined ? ` (${p.customId})` : ''}: ${p.message}`);
    const more = problems.length > 5 ? ` and ${problems.length - 5} more` : '';
    super(
      'batch_input_invalid',
      `The batch input has ${problems.length} problem(s): ${shown.join('; ')}${more}`,
    );
    this.name = 'BatchInputError';
    this.problems = problems;
    this.duplicates = duplicates;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems, duplicates: this.duplicates };
  }
}
