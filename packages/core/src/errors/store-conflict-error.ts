import { brand, hasBrand } from './brand.js';
import { MistralFlowsError } from './mistral-flows-error.js';

/** A compare-and-set found another version than the one expected. */
export class StoreConflictError extends MistralFlowsError<'store_conflict'> {
  readonly key: string;
  readonly expectedVersion: number;
  readonly actualVersion: number;

  constructor(key: string, expectedVersion: number, actualVersion: number) {
    super(
      'store_conflict',
      `Store key "${key}" is at version ${actualVersion}, expected ${expectedVersion}`,
    );
    brand(this, 'store-conflict');
    this.name = 'StoreConflictError';
    this.key = key;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  static override isInstance(error: unknown): error is StoreConflictError {
    return hasBrand(error, 'store-conflict');
  }
}
