import { BatchError, type BatchErrorCode } from '../errors.js';

/** Failures that are errors of this package already, with a code of their own. */
const OWN_CODES: ReadonlySet<string> = new Set<BatchErrorCode>([
  'batch_input_invalid',
  'batch_not_found',
  'batch_key_mismatch',
  'store_write_failed',
]);

/**
 * The typed error of a failed batch, from the failure its machine recorded (`code` and `message`,
 * as persisted) and, when this process saw the step fail, the error the step threw. A
 * `BatchError` (bad input, a batch that cannot be found, a foreign key, a store that could not
 * record a step) is returned as it was thrown, a `BatchInputError` with all its problems; any
 * other failure (an API error, a job that ended `FAILED`) becomes a `batch_failed` error whose
 * `cause` is the step's error when it is known.
 */
export function failureError(
  failure: { code: string; message: string } | undefined,
  thrown: unknown,
): BatchError {
  if (BatchError.isInstance(thrown)) return thrown;
  const options = thrown === undefined ? {} : { cause: thrown };
  if (!failure) return new BatchError('batch_failed', 'The batch failed', options);
  if (OWN_CODES.has(failure.code))
    return new BatchError(failure.code as BatchErrorCode, failure.message, options);
  return new BatchError('batch_failed', `${failure.code}: ${failure.message}`, options);
}
