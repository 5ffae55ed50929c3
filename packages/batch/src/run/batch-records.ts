import {
  InvalidArgumentError,
  redactString,
  retry,
  StoreConflictError,
  type RetryPolicy,
  type Store,
} from '@mistral-flows/core';
import { BatchError } from '../errors.js';

/**
 * Where a batch keeps its state in a `Store`: the machine snapshot (`batch:<key>`), when the batch
 * first started (`batch-run:<key>`, the lower bound of a job lookup) and the id of every job the
 * moment it is created (`batch-job:<attempt>:<shard key>`). Each record holds the exact key it
 * belongs to, and a record of another key is refused with `batch_key_mismatch`.
 */
export const batchKey = (key: string) => `batch:${key}`;
export const runRecordKey = (key: string) => `batch-run:${key}`;
export const jobRecordKey = (key: string, attempt: number) => `batch-job:${attempt}:${key}`;

export interface RunRecord {
  key: string;
  /** When the batch first started (ms since the epoch): no job of it was created before. */
  startedAt: number;
}

export interface JobRecord {
  key: string;
  attempt: number;
  jobId: string;
  recordedAt: number;
}

/** A write to a store is tried this often before the step that needed it fails. */
const STORE_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialDelayMs: 50,
  maxDelayMs: 500,
  // A value the store refuses, or a compare-and-set that lost, fails the same way again.
  shouldRetry: (_, error) =>
    !InvalidArgumentError.isInstance(error) && !StoreConflictError.isInstance(error),
};

/**
 * Writes `value` under `storeKey`, retrying a failing store (a busy or unreachable database) a
 * few times; when it still fails, throws a `store_write_failed` `BatchError` whose `cause` is the
 * store's error, so that the step that needed the write fails visibly instead of going on with
 * state that a crash would lose.
 */
export async function writeDurably(
  store: Store,
  storeKey: string,
  value: unknown,
  options: { ifVersion?: number } = {},
): Promise<void> {
  let attempts = 0;
  try {
    await retry(async () => {
      attempts++;
      await store.set(storeKey, value, options);
    }, STORE_RETRY);
  } catch (error) {
    if (StoreConflictError.isInstance(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new BatchError(
      'store_write_failed',
      `The store refused "${storeKey}" ${attempts} time(s): ${redactString(message)}`,
      { cause: error },
    );
  }
}

/**
 * When batch `key` first started: read from its run record, or recorded now when there is none
 * (before the batch does anything on the platform, so that every job of it was created later).
 */
export async function runStartedAt(store: Store, key: string, now = Date.now()): Promise<number> {
  const existing = await store.get<RunRecord>(runRecordKey(key));
  if (existing) return checked(existing.value, key, runRecordKey(key)).startedAt;
  try {
    await writeDurably(store, runRecordKey(key), { key, startedAt: now } satisfies RunRecord, {
      ifVersion: 0,
    });
    return now;
  } catch (error) {
    if (!StoreConflictError.isInstance(error)) throw error;
    // Another process started the same batch first: its time is the batch's.
    const raced = await store.get<RunRecord>(runRecordKey(key));
    return checked(raced!.value, key, runRecordKey(key)).startedAt;
  }
}

/** Records the id of the job of `key` (a shard key) and `attempt`, durably. */
export async function recordJob(
  store: Store,
  key: string,
  attempt: number,
  jobId: string,
): Promise<void> {
  const record: JobRecord = { key, attempt, jobId, recordedAt: Date.now() };
  await writeDurably(store, jobRecordKey(key, attempt), record);
}

/** The id of the job recorded for `key` and `attempt`, if any. */
export async function recordedJobId(
  store: Store,
  key: string,
  attempt: number,
): Promise<string | undefined> {
  const entry = await store.get<JobRecord>(jobRecordKey(key, attempt));
  return entry ? checked(entry.value, key, jobRecordKey(key, attempt)).jobId : undefined;
}

function checked<T extends { key: string }>(record: T, key: string, storeKey: string): T {
  if (record?.key !== key) {
    throw new BatchError(
      'batch_key_mismatch',
      `The record "${storeKey}" belongs to batch ${JSON.stringify(record?.key)}, not "${key}"`,
    );
  }
  return record;
}
