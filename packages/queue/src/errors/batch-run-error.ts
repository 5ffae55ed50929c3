import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

/**
 * - `batch_run_not_found`: no batch run was started under this key (or its job was removed and no
 *   store holds its result).
 * - `input_too_large`: the requests, as JSON, exceed what the client puts in one job's data
 *   (`maxInputBytes`): split the batch into several keys.
 * - `batch_run_failed`: the worker could not run the batch (an error that used up the job's
 *   attempts); a batch that ran and ended `failed` is an outcome, not this error.
 * - `wait_timeout`: the batch had not ended when `result()` gave up (it goes on).
 * - `store_unavailable`: the worker's store did not answer at start.
 */
export type BatchRunErrorCode =
  | 'batch_run_not_found'
  | 'input_too_large'
  | 'batch_run_failed'
  | 'wait_timeout'
  | 'store_unavailable';

/** An error of batch runs as jobs (workers and clients); `code` says which. */
export class BatchRunError extends MistralFlowsError<BatchRunErrorCode> {
  readonly key: string | undefined;

  constructor(
    code: BatchRunErrorCode,
    message: string,
    options: { key?: string; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    brandError(this, 'batch-run');
    this.name = 'BatchRunError';
    this.key = options.key;
  }

  static override isInstance(error: unknown): error is BatchRunError {
    return hasErrorBrand(error, 'batch-run');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key };
  }
}
