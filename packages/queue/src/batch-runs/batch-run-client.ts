import { BATCH_ENDPOINTS, type BatchProgress, type BatchRequestInput } from '@mistral-flows/batch';
import { InvalidArgumentError, sleep, type Store } from '@mistral-flows/core';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { BatchRunError } from '../errors/batch-run-error.js';
import { closeWhenReady } from '../internal/close-bullmq.js';
import { ConnectionWatch } from '../internal/connection-watch.js';
import {
  BATCH_RUN_KEY_PATTERN,
  batchRunJobId,
  batchRunKeys,
  batchRunResultKey,
  DEFAULT_BATCH_RUN_QUEUE,
  type BatchRunJobData,
  type BatchRunProgress,
  type BatchRunReceipt,
  type BatchRunResult,
  type BatchRunSettings,
} from './batch-run-job.js';

export interface BatchRunClientOptions {
  connection: ConnectionOptions;
  /** Queue name (default `mistral-batch-runs`), as given to the workers. */
  name?: string;
  /** BullMQ key prefix (default `bull`), as given to the workers. */
  prefix?: string;
  /**
   * Attempts per batch (default 20): an error of the worker (a store or Redis that failed, a lost
   * lease) costs one; a worker killed mid-run does not (see the worker's `maxStalledCount`).
   */
  attempts?: number;
  /**
   * The largest input, as JSON, that goes in a job's data (default 10 MiB): the requests travel
   * in Redis so that any worker can resume the batch. Larger inputs are refused with
   * `BatchRunError` `input_too_large`.
   */
  maxInputBytes?: number;
  /** BullMQ's `removeOnComplete` for batch jobs (default: kept 7 days). */
  removeOnComplete?: JobsOptions['removeOnComplete'];
  /**
   * The workers' store, optional: `result(key)` reads the stored result there once the job has
   * been removed from the queue.
   */
  store?: Store;
  /** How long a call waits for Redis before failing with `RedisUnavailableError` (default 10 s). */
  redisTimeoutMs?: number;
}

/** A batch to start: its key, its requests and how it runs (as `runBatch` takes them). */
export interface StartBatchRunOptions extends BatchRunSettings {
  /**
   * The batch's identity (1 to 200 letters, digits, `_`, `.` or `-`): a key is queued and paid
   * for once; starting it again while its job is kept returns the same job.
   */
  key: string;
  requests: Iterable<BatchRequestInput> | AsyncIterable<BatchRequestInput>;
}

export interface BatchRunResultOptions {
  /** How long to wait for the batch to end (default 24 h). */
  timeoutMs?: number;
  /** How often the job's state is read while waiting (default 250 ms). */
  pollMs?: number;
}

/** Starts batch runs that any `createBatchRunWorker` runs, and reads how they go. */
export interface BatchRunClient {
  readonly name: string;
  /** The BullMQ queue of batch runs: `getJobCounts()`, `getJob(receipt.jobId)`, ... */
  readonly queue: Queue<BatchRunJobData, BatchRunResult>;
  /**
   * Queues the batch as one job (id `batch-run.<key>`). The requests are read here and carried in
   * the job's data. Rejects with `InvalidArgumentError` for bad options and `BatchRunError`
   * `input_too_large` for an input above `maxInputBytes`.
   */
  start(options: StartBatchRunOptions): Promise<BatchRunReceipt>;
  /** The job's state and the batch's last progress; `batch_run_not_found` for an unknown key. */
  progress(key: string): Promise<BatchRunProgress>;
  /**
   * Resolves with the result once the batch has ended, whatever its status (`succeeded`,
   * `failed`, `timedOut`, `cancelled`). Rejects with `BatchRunError`: `batch_run_not_found`,
   * `batch_run_failed` (the worker could not run it) or `wait_timeout`.
   */
  result(key: string, options?: BatchRunResultOptions): Promise<BatchRunResult>;
  /**
   * Cancels the batch: the worker running it cancels its platform jobs at once, and a worker that
   * starts it later does so before anything else. Resolves with false when the batch had already
   * ended; rejects with `batch_run_not_found` for an unknown key.
   */
  cancel(key: string): Promise<boolean>;
  /** Resolves once connected; rejects with `RedisUnavailableError` after `redisTimeoutMs`. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The default `maxInputBytes`: 10 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 10 * 1024 * 1024;

/**
 * A client of batch runs as jobs, usable from any process: `start()` queues a batch that a
 * `createBatchRunWorker` runs with `runBatch`, and that another worker resumes if the first one
 * dies; `result()` waits for its outcome.
 *
 * @example
 * const batches = createBatchRunClient({ connection });
 * await batches.start({ key: 'nightly-2026-12-06', requests, model: 'mistral-small-latest' });
 * const { status, counts, results } = await batches.result('nightly-2026-12-06');
 */
export function createBatchRunClient(options: BatchRunClientOptions): BatchRunClient {
  const name = options.name ?? DEFAULT_BATCH_RUN_QUEUE;
  const redisPrefix = options.prefix ?? 'bull';
  const keys = batchRunKeys(redisPrefix, name);
  const attempts = options.attempts ?? 20;
  const maxInputBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  checkInteger('attempts', attempts, 1);
  checkInteger('maxInputBytes', maxInputBytes, 1);
  const watch = new ConnectionWatch(options.connection, options.redisTimeoutMs);
  const queue = watch.listen(
    new Queue<BatchRunJobData, BatchRunResult>(name, {
      connection: options.connection,
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      defaultJobOptions: {
        attempts,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: options.removeOnComplete ?? { age: 7 * 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      },
    }),
  );
  const redis = async (doing: string): Promise<Redis> => {
    await watch.connected(queue, doing);
    return (await queue.client) as unknown as Redis;
  };
  const notFound = (key: string) =>
    new BatchRunError('batch_run_not_found', `No batch run "${key}" in queue ${name}`, { key });

  let closing: Promise<void> | undefined;
  return {
    name,
    queue,
    async start(startOptions) {
      const { key, requests, ...settings } = checkStart(startOptions);
      const collected = await collect(key, requests, maxInputBytes);
      const doing = `starting batch ${key} on ${name}`;
      await redis(doing);
      const jobId = batchRunJobId(key);
      const existing = await watch.within(queue.getJob(jobId), doing);
      if (existing) return { key, jobId, created: false };
      const data: BatchRunJobData = { key, requests: collected, settings: definedOnly(settings) };
      // Two clients adding the same key at once both say created: BullMQ keeps the first job.
      await watch.within(queue.add('batch-run', data, { jobId }), doing);
      return { key, jobId, created: true };
    },
    async progress(key) {
      assertKey(key);
      const doing = `reading batch ${key} on ${name}`;
      await redis(doing);
      const job = await watch.within(queue.getJob(batchRunJobId(key)), doing);
      if (!job) throw notFound(key);
      const jobState = await watch.within(job.getState(), doing);
      const progress = isProgress(job.progress) ? job.progress : undefined;
      return { key, jobState, progress };
    },
    async result(key, resultOptions = {}) {
      assertKey(key);
      const timeoutMs = resultOptions.timeoutMs ?? 24 * 3_600_000;
      const pollMs = resultOptions.pollMs ?? 250;
      checkInteger('timeoutMs', timeoutMs, 0);
      checkInteger('pollMs', pollMs, 1);
      const doing = `waiting for batch ${key} on ${name}`;
      await redis(doing);
      const jobId = batchRunJobId(key);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = await watch.within(queue.getJobState(jobId), doing);
        if (state === 'completed') {
          const job = await watch.within(queue.getJob(jobId), doing);
          if (job?.returnvalue) return job.returnvalue;
        } else if (state === 'failed') {
          const job = await watch.within(queue.getJob(jobId), doing);
          throw new BatchRunError(
            'batch_run_failed',
            `Batch run "${key}" failed after ${job?.attemptsMade ?? '?'} attempt(s): ${job?.failedReason ?? 'unknown'}`,
            { key },
          );
        } else if (state === 'unknown') {
          const stored = await options.store?.get<BatchRunResult>(batchRunResultKey(key));
          if (stored) return stored.value;
          throw notFound(key);
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new BatchRunError(
            'wait_timeout',
            `Batch run "${key}" had not ended after ${timeoutMs} ms (it goes on)`,
            { key },
          );
        }
        await sleep(Math.min(pollMs, left));
      }
    },
    async cancel(key) {
      assertKey(key);
      const doing = `cancelling batch ${key} on ${name}`;
      const connection = await redis(doing);
      const state = await watch.within(queue.getJobState(batchRunJobId(key)), doing);
      if (state === 'unknown') throw notFound(key);
      if (state === 'completed' || state === 'failed') return false;
      await watch.within(
        connection.set(keys.cancel(key), String(Date.now()), 'EX', 30 * 86_400),
        doing,
      );
      await watch.within(connection.publish(keys.cancels, key), doing);
      return true;
    },
    async ready() {
      await redis(`connecting to queue ${name}`);
    },
    close() {
      closing ??= closeWhenReady(watch, queue);
      return closing;
    },
  };
}

/** Reads the requests, refusing them as soon as their JSON passes `maxBytes`. */
async function collect(
  key: string,
  requests: StartBatchRunOptions['requests'],
  maxBytes: number,
): Promise<BatchRequestInput[]> {
  const collected: BatchRequestInput[] = [];
  let bytes = 2;
  for await (const request of requests) {
    if (!request || typeof request !== 'object') {
      throw new InvalidArgumentError(
        'requests',
        `request ${collected.length} is not an object ({ customId, body })`,
      );
    }
    bytes += Buffer.byteLength(JSON.stringify(request)) + 1;
    if (bytes > maxBytes) {
      throw new BatchRunError(
        'input_too_large',
        `The requests of batch "${key}" pass ${maxBytes} bytes as JSON at request ` +
          `${collected.length}: split them into several batches or raise maxInputBytes`,
        { key },
      );
    }
    collected.push(request);
  }
  if (collected.length === 0) throw new InvalidArgumentError('requests', 'a batch needs requests');
  return collected;
}

function checkStart(options: StartBatchRunOptions): StartBatchRunOptions {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError('options', 'expected an options object');
  }
  assertKey(options.key);
  const { requests } = options;
  const iterable =
    requests !== null &&
    typeof requests === 'object' &&
    (Symbol.iterator in requests || Symbol.asyncIterator in requests);
  if (!iterable) {
    throw new InvalidArgumentError('requests', 'expected an array or an (async) iterable');
  }
  const endpoint = options.endpoint ?? '/v1/chat/completions';
  if (!BATCH_ENDPOINTS.includes(endpoint)) {
    throw new InvalidArgumentError(
      'endpoint',
      `expected one of ${BATCH_ENDPOINTS.join(', ')}, got ${String(endpoint)}`,
    );
  }
  if (options.model && options.agentId) {
    throw new InvalidArgumentError('agentId', 'give a model or an agentId, not both');
  }
  if (endpoint === '/v1/agents/completions' && !options.agentId) {
    throw new InvalidArgumentError('agentId', 'the agents endpoint needs an agentId');
  }
  for (const [field, min] of [
    ['maxRequestsPerJob', 1],
    ['maxBytesPerJob', 1],
    ['inlineMaxRequests', 0],
    ['inlineMaxBytes', 0],
    ['retryFailed', 0],
  ] as const) {
    const value = options[field];
    if (value !== undefined) checkInteger(field, value, min);
  }
  return options;
}

function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || !BATCH_RUN_KEY_PATTERN.test(key)) {
    throw new InvalidArgumentError(
      'key',
      `expected 1 to 200 letters, digits, "_", "." or "-" (not starting with "." or "-"), got ${JSON.stringify(key)}`,
    );
  }
}

function checkInteger(field: string, value: unknown, min: number): void {
  if (!(Number.isInteger(value) && (value as number) >= min)) {
    throw new InvalidArgumentError(field, `expected an integer >= ${min}, got ${String(value)}`);
  }
}

/** The settings without their undefined fields (job data is JSON). */
function definedOnly(settings: BatchRunSettings): BatchRunSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

function isProgress(value: unknown): value is BatchProgress {
  return typeof value === 'object' && value !== null && 'state' in value;
}
