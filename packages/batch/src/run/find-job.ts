import type { Store } from '@mistral-flows/core';
import type { Mistral } from '@mistralai/mistralai';
import type { BatchJob } from '@mistralai/mistralai/models/components';
import { BatchError } from '../errors.js';
import { ATTEMPT_METADATA, KEY_METADATA, type FindJobArgs } from '../machine/batch-machine.js';
import type { BatchJobInfo } from '../machine/types.js';
import { recordedJobId, recordJob } from './batch-records.js';
import { toJobInfo } from './job-info.js';

/** Jobs per page of the lookup (the API's default page size). */
const PAGE_SIZE = 100;
/**
 * How much earlier than the batch's start the lookup begins: the platform stamps `created_at`
 * with its own clock, which may be behind this machine's.
 */
export const LOOKUP_MARGIN_MS = 60 * 60_000;

export interface RequestOptions {
  signal: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * The job of `args.key` (a batch or shard key) and `args.attempt`, if one exists, so that it is
 * adopted and never created twice. The id recorded in `store` when the job was created is used
 * when there is one. Otherwise every job created since the batch started (`args.since`, less
 * `LOOKUP_MARGIN_MS`) is listed, oldest first, page after page, and matched on its metadata here:
 * the metadata filter is sent too, but the API is not relied upon to apply it. A job found that
 * way is recorded in `store` at once.
 *
 * `requestOptions` gives each request its own signal (each one has its own timeout).
 */
export async function findJob(
  client: Mistral,
  args: FindJobArgs,
  requestOptions: () => RequestOptions,
  store: Store | undefined,
): Promise<BatchJobInfo | null> {
  const { key, attempt } = args;
  const recorded = store ? await recordedJobId(store, key, attempt) : undefined;
  if (recorded !== undefined) {
    const job = await client.batch.jobs.get({ jobId: recorded }, requestOptions());
    if (!matches(job, key, attempt)) {
      throw new BatchError(
        'batch_key_mismatch',
        `Job ${recorded}, recorded for batch "${key}" (attempt ${attempt}), carries the metadata of another batch`,
      );
    }
    return toJobInfo(job, attempt);
  }
  const createdAfter = new Date(args.since - LOOKUP_MARGIN_MS);
  let found: BatchJob | undefined;
  for (let page = 0; found === undefined; page++) {
    const listed = await client.batch.jobs.list(
      {
        metadata: { [KEY_METADATA]: key, [ATTEMPT_METADATA]: String(attempt) },
        createdAfter,
        orderBy: 'created',
        page,
        pageSize: PAGE_SIZE,
      },
      requestOptions(),
    );
    const data = listed.data ?? [];
    found = data
      .filter((job) => matches(job, key, attempt))
      .sort((a, b) => a.createdAt - b.createdAt)[0];
    if (data.length < PAGE_SIZE || (page + 1) * PAGE_SIZE >= listed.total) break;
  }
  if (found === undefined) return null;
  if (store) await recordJob(store, key, attempt, found.id);
  return toJobInfo(found, attempt);
}

function matches(job: BatchJob, key: string, attempt: number): boolean {
  return (
    job.metadata?.[KEY_METADATA] === key && job.metadata?.[ATTEMPT_METADATA] === String(attempt)
  );
}
