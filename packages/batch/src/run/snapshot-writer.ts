import { redactForStorage, type Store } from '@mistral-flows/core';
import { BatchError } from '../errors.js';
import { batchKey, writeDurably } from './batch-records.js';

/** A batch's snapshot as stored under `batch:<key>`. */
export interface PersistedBatch {
  format: 1;
  key: string;
  snapshot: unknown;
  updatedAt: string;
}

export interface SnapshotWriter {
  /** Asks for the current snapshot to be written (coalesced: the latest one wins). */
  save(): void;
  /** Resolves once nothing is being written. */
  flush(): Promise<void>;
  /** The error that stopped the writes, if one did. */
  readonly failure: BatchError | undefined;
}

/**
 * Writes a batch's snapshot under `batch:<key>` after every change, one write at a time (changes
 * made during a write are folded into the next one), each retried by `writeDurably`. A write that
 * still fails stops the writer for good: nothing later is written, so the store keeps the last
 * snapshot it accepted and a resume continues from there; `onFailure` is called once with the
 * `store_write_failed` error.
 */
export function snapshotWriter(
  store: Store,
  key: string,
  snapshot: () => unknown,
  onFailure: (error: BatchError) => void,
): SnapshotWriter {
  let pending = false;
  let writing: Promise<void> | undefined;
  let failure: BatchError | undefined;
  const drain = async () => {
    while (pending && !failure) {
      pending = false;
      try {
        const record: PersistedBatch = {
          format: 1,
          key,
          snapshot: snapshot(),
          updatedAt: new Date().toISOString(),
        };
        await writeDurably(store, batchKey(key), redactForStorage(record));
      } catch (error) {
        failure = BatchError.isInstance(error)
          ? error
          : new BatchError('store_write_failed', `The state of batch "${key}" was not stored`, {
              cause: error,
            });
        onFailure(failure);
      }
    }
    writing = undefined;
  };
  return {
    save() {
      if (failure) return;
      pending = true;
      writing ??= drain();
    },
    async flush() {
      while (writing) await writing;
    },
    get failure() {
      return failure;
    },
  };
}
