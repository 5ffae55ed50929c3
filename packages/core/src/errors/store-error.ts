import { brand, hasBrand } from './brand.js';
import { MistralFlowsError } from './mistral-flows-error.js';

/**
 * - `store_busy`: another writer held the key's lock for longer than the store waits.
 * - `store_corrupt`: a stored entry could not be read back as JSON.
 * - `store_io`: the file system or the database refused a read or a write (permissions, full
 *   disk, a database that is down...).
 */
export type StoreErrorCode = 'store_busy' | 'store_corrupt' | 'store_io';

/** A store could not read or write an entry; `cause` holds the underlying error. */
export class StoreError extends MistralFlowsError<StoreErrorCode> {
  readonly key: string | undefined;
  /** The file involved, for stores that keep files. */
  readonly path: string | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    options: { key?: string; path?: string; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    brand(this, 'store');
    this.name = 'StoreError';
    this.key = options.key;
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is StoreError {
    return hasBrand(error, 'store');
  }
}
