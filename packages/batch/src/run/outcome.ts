import { existsSync } from 'node:fs';
import type { BatchError } from '../errors.js';
import {
  readBatchResults,
  type BatchResult,
  type MalformedLine,
} from '../jsonl/read-batch-results.js';
import type { BatchFinalStatus, BatchJobInfo } from '../machine/types.js';

/** The files of one shard's attempts, newest attempt last. */
export interface ShardFiles {
  key: string;
  outputPaths: string[];
  errorPaths: string[];
}

/**
 * How a batch ended. `TBody` types the bodies of successful results as the caller knows them (for
 * example the SDK's `ChatCompletionResponse` in wire format); it is not checked at run time.
 */
export interface BatchOutcome<TBody = unknown> {
  key: string;
  status: BatchFinalStatus;
  /** Every job created (or adopted) for the batch: one per shard and retry round. */
  jobs: BatchJobInfo[];
  counts: {
    /** Requests in the input. */
    total: number;
    succeeded: number;
    failed: number;
    /** Requests without any result (never run: cancelled, timed out, failed jobs). */
    missing: number;
  };
  /**
   * The result of every request that has one, by custom_id. Across retry rounds the latest result
   * wins, so a request that failed and then succeeded is a success. `undefined` when the batch is
   * larger than `resultsInMemoryLimit`: use `readResults()` then.
   */
  results: Map<string, BatchResult<TBody>> | undefined;
  /** The failed results (kept whatever the size, as long as they fit the limit). */
  failures: Array<Extract<BatchResult<TBody>, { ok: false }>>;
  /** Output or error file lines that could not be read, with their line numbers. */
  malformed: Array<MalformedLine & { file: string }>;
  /** Job-level errors and the reason the batch failed, if it did. */
  errors: Array<{ message: string; count?: number }>;
  /**
   * Why the batch failed, typed; set exactly when `status` is `failed`. A `BatchInputError` (code
   * `batch_input_invalid`, with every problem) for bad requests, `store_write_failed` when the
   * store could not record a step (its `cause` is the store's error), `batch_key_mismatch` and
   * `batch_not_found` for state that is not this batch's or is missing, and `batch_failed` for the
   * rest (an API error, as its `cause`, or a job that ended `FAILED`).
   */
  error: BatchError | undefined;
  /** Streams the merged results from the files, whatever their size. */
  readResults(): AsyncIterable<BatchResult<TBody>>;
}

/** Merges the results of every shard and retry round: newest attempt first, each custom_id once. */
export async function* mergedResults(
  shards: readonly ShardFiles[],
  malformed?: Array<MalformedLine & { file: string }>,
): AsyncGenerator<BatchResult> {
  for (const shard of shards) {
    const seen = new Set<string>();
    // Newest round first, its output before its errors: a request retried later is taken from there.
    const files = [
      ...shard.outputPaths.map((f) => ({ f, rank: 0 })),
      ...shard.errorPaths.map((f) => ({ f, rank: 1 })),
    ]
      .sort((a, b) => attemptOf(b.f) - attemptOf(a.f) || a.rank - b.rank)
      .map((x) => x.f);
    for (const file of dedupe(files)) {
      if (!existsSync(file)) continue;
      for await (const line of readBatchResults(file)) {
        if (line.kind === 'malformed') {
          malformed?.push({ ...line, file });
          continue;
        }
        if (seen.has(line.customId)) continue;
        seen.add(line.customId);
        yield line;
      }
    }
  }
}

function attemptOf(file: string): number {
  return Number(/\.a(\d+)\.(output|errors)\.jsonl$/.exec(file)?.[1] ?? 0);
}

function dedupe(files: string[]): string[] {
  return [...new Set(files)];
}

export async function buildOutcome(args: {
  key: string;
  status: BatchFinalStatus;
  jobs: BatchJobInfo[];
  total: number;
  shards: ShardFiles[];
  failure: { code: string; message: string } | undefined;
  error: BatchError | undefined;
  resultsInMemoryLimit: number;
}): Promise<BatchOutcome> {
  const { shards } = args;
  const keep = args.total <= args.resultsInMemoryLimit;
  const results = keep ? new Map<string, BatchResult>() : undefined;
  const failures: Array<Extract<BatchResult, { ok: false }>> = [];
  const malformed: Array<MalformedLine & { file: string }> = [];
  let succeeded = 0;
  let failed = 0;
  for await (const result of mergedResults(shards, malformed)) {
    if (result.ok) succeeded++;
    else {
      failed++;
      if (failures.length < args.resultsInMemoryLimit) failures.push(result);
    }
    results?.set(result.customId, result);
  }
  const errors = args.jobs.flatMap((j) => j.errors);
  if (args.failure && args.failure.code !== 'job_failed')
    errors.push({ message: `${args.failure.code}: ${args.failure.message}` });
  return {
    key: args.key,
    status: args.status,
    jobs: args.jobs,
    counts: {
      total: args.total,
      succeeded,
      failed,
      missing: Math.max(0, args.total - succeeded - failed),
    },
    results,
    failures,
    malformed,
    errors,
    error: args.error,
    readResults: () => mergedResults(shards),
  };
}
