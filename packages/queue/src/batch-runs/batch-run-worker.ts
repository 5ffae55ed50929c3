import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  BatchError,
  batchKey,
  resumeBatch,
  runBatch,
  type BatchActor,
  type BatchOutcome,
  type BatchProgress,
  type BatchRun,
  type BatchRunActor,
  type BatchResult,
  type ResumeBatchOptions,
} from '@mistral-flows/batch';
import {
  InvalidArgumentError,
  redactString,
  type BatchEvents,
  type EventSink,
  type RetryPolicy,
  type Store,
} from '@mistral-flows/core';
import type { Mistral } from '@mistralai/mistralai';
import {
  DelayedError,
  Queue,
  UnrecoverableError,
  Worker,
  type ConnectionOptions,
  type Job,
} from 'bullmq';
import type { Redis } from 'ioredis';
import { asyncScheduler, concatMap, tap, throttleTime } from 'rxjs';
import {
  ConversationLease,
  DEFAULT_LEASE_MS,
  leasedJobTiming,
  MIN_LEASE_MS,
} from '../conversations/conversation-lease.js';
import { LeaseWatch } from '../conversations/lease-watch.js';
import { fencedStore } from '../conversations/fenced-store.js';
import { BatchRunError } from '../errors/batch-run-error.js';
import { LeaseLostError } from '../errors/lease-lost-error.js';
import { closeUnconnectedWithin, closeWhenReady, settlesWithin } from '../internal/close-bullmq.js';
import { probeStore } from '../internal/probe-store.js';
import { ConnectionWatch } from '../internal/connection-watch.js';
import {
  batchRunKeys,
  batchRunJobId,
  batchRunLeaseId,
  batchRunResultKey,
  DEFAULT_BATCH_RUN_QUEUE,
  type BatchRunJobData,
  type BatchRunResult,
} from './batch-run-job.js';

export interface BatchRunWorkerOptions {
  connection: ConnectionOptions;
  /** The SDK client (`createClient()` from core) the batches run with. */
  client: Mistral;
  /**
   * Where batch states, leases and results are kept: Redis or Postgres for several machines
   * (every worker of a queue must use the same store).
   */
  store: Store;
  /**
   * Where this machine keeps input, output and error files (default `.mistral-flows/batch`). Give
   * every worker the same path: a batch taken over records the first worker's directory, and the
   * next worker writes its downloads there (creating it when this machine has none).
   */
  workDir?: string;
  /** Queue name (default `mistral-batch-runs`), as given to the client. */
  name?: string;
  /** BullMQ key prefix (default `bull`), as given to the client. */
  prefix?: string;
  /**
   * How long a batch's lease lasts without renewal (default 10 s, at least 1 s): after a crash,
   * another worker resumes the batch once it has seen the lease unchanged for this long.
   */
  leaseMs?: number;
  /** Batches run at once by this worker (default 5). */
  concurrency?: number;
  /**
   * Above this many requests, the result (the job's return value and the stored record) carries
   * no `results`: read them from the files (default 1,000).
   */
  resultsInMemoryLimit?: number;
  /**
   * BullMQ's job lock (default: half the lease) and stalled-job check (default: a quarter of the
   * lease): a killed worker's job is back in the queue within about `lockDuration +
   * stalledInterval`, then waits for the lease. `maxStalledCount` (default 10) bounds how often one
   * batch may lose its worker before its job fails.
   */
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /** How often the batch's progress is written to its job at most (default 250 ms). */
  progressIntervalMs?: number;
  /** Publishes `batch:status`, `batch:progress`, `batch:stuck`, `batch:done` for every batch. */
  bus?: EventSink<BatchEvents>;
  /** Extra headers on every API call. */
  headers?: Record<string, string>;
  /** Retries of idempotent API calls (lookups, polls, downloads). */
  retry?: RetryPolicy;
  /**
   * How long `ready()` waits for Redis and the store before failing with `RedisUnavailableError`
   * or `BatchRunError` (`store_unavailable`) (default 10 s).
   */
  redisTimeoutMs?: number;
  /** This worker's id in lease records (default: a random UUID per worker). */
  workerId?: string;
  /**
   * Watch the leases of the batches running on other workers, and free those that expire
   * (default true): a crashed worker's batch is then taken over about `leaseMs` after the crash.
   * Costs one store read per running batch every `leaseMs / 8`.
   */
  watchLeases?: boolean;
  /** Start processing at once (default true). */
  autorun?: boolean;
}

/** A running batch run worker. */
export interface BatchRunWorker {
  readonly id: string;
  readonly name: string;
  readonly worker: Worker<BatchRunJobData, BatchRunResult>;
  /** Resolves once Redis and the store answer; rejects with a typed error after `redisTimeoutMs`. */
  ready(): Promise<void>;
  /**
   * Stops taking batches; the batches in flight are stopped where they are (their platform jobs
   * go on), their leases given back and their jobs put back in the queue for the next worker.
   * Closes its connections, not the store.
   */
  close(): Promise<void>;
}

/** A batch this worker is running, for cancels and close. */
interface ActiveRun {
  run: BatchRun | undefined;
  /** A client asked to cancel it. */
  cancelled: boolean;
  /** `close()` stopped it: its job goes back to the queue. */
  stopped: boolean;
}

/**
 * Runs batches enqueued by `createBatchRunClient` (`runBatch` from `@mistral-flows/batch`, as a
 * BullMQ job), on any number of processes and machines.
 *
 * - One worker at a time runs a batch key: it holds the batch's lease (a `ConversationLease`
 *   record in the store, taken and renewed by compare-and-set) while the batch runs, and the batch
 *   writes its state only through it: a worker that lost the lease stops without writing.
 * - A worker killed mid-run leaves its job to BullMQ's stalled-job check, which gives it to
 *   another worker; the lease, which every worker watches (`LeaseWatch`), is freed once it has not
 *   changed for `leaseMs`, and that worker takes it and continues the batch with `resumeBatch`: the platform job of the key is found again, never created twice.
 *   The requests travel in the job data, so the next worker needs none of the first one's files;
 *   a resume that fails before its platform jobs end (files of a lost machine, say) starts again
 *   once from its first step, which finds the upload and the job again.
 * - The result (counts, platform jobs, files, and the results themselves up to
 *   `resultsInMemoryLimit`) is stored under `batch-run-result:<key>` before the job completes, and
 *   returned by the job: a job run again after that returns it without running anything.
 * - Progress goes to the job (`job.progress`, read by `client.progress(key)`); a cancel from a
 *   client cancels the platform jobs at once through pub/sub, or when the job starts.
 */
export function createBatchRunWorker(options: BatchRunWorkerOptions): BatchRunWorker {
  validate(options);
  const { connection, prefix, store } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const name = options.name ?? DEFAULT_BATCH_RUN_QUEUE;
  const redisPrefix = prefix ?? 'bull';
  const keys = batchRunKeys(redisPrefix, name);
  const workerId = options.workerId ?? randomUUID();
  const resultsInMemoryLimit = options.resultsInMemoryLimit ?? 1_000;
  const progressIntervalMs = options.progressIntervalMs ?? 250;
  const base = { connection, ...(prefix !== undefined ? { prefix } : {}) };
  const watch = new ConnectionWatch(connection, options.redisTimeoutMs);
  const queue = watch.listen(new Queue<BatchRunJobData, BatchRunResult>(name, base));
  const jobPrefix = batchRunJobId('');
  const leaseWatch = new LeaseWatch({
    store,
    owner: workerId,
    leaseMs,
    activeConversations: async () =>
      (await queue.getRanges(['active'], 0, -1))
        .filter((jobId) => jobId.startsWith(jobPrefix))
        .map((jobId) => batchRunLeaseId(jobId.slice(jobPrefix.length))),
    onError: (error) => worker.emit('error', asError(error)),
  });
  const redis = async (): Promise<Redis> => (await queue.client) as unknown as Redis;

  const active = new Map<string, ActiveRun>();
  let subscriber: Redis | undefined;
  let closing: Promise<void> | undefined;

  const storedResult = async (key: string): Promise<BatchRunResult | undefined> =>
    (await store.get<BatchRunResult>(batchRunResultKey(key)))?.value;

  /** The result of a batch that a worker finished already (this job ran again after a crash). */
  const finishedAlready = async (key: string): Promise<BatchRunResult> => {
    const result = await storedResult(key);
    if (result) return result;
    throw new Error(`The lease of batch "${key}" says it ended, but no result is stored`);
  };

  const processJob = async (
    job: Job<BatchRunJobData, BatchRunResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<BatchRunResult> => {
    const { key } = job.data;
    const lease = new ConversationLease({
      store,
      conversationId: batchRunLeaseId(key),
      owner: workerId,
      leaseMs,
    });
    const seen = await lease.peek();
    if ((seen?.record.done ?? 0) >= 1) return finishedAlready(key);
    const taken = await lease.acquire({
      stop: (record) => record.done >= 1,
      known: seen,
      seenSince: (version) => leaseWatch.seenSince(batchRunLeaseId(key), version),
      ...(signal ? { signal } : {}),
    });
    if (!taken) return finishedAlready(key);
    const entry: ActiveRun = { run: undefined, cancelled: false, stopped: false };
    active.set(key, entry);
    try {
      // A worker may have stored the result and died before giving the lease back.
      const result = (await storedResult(key)) ?? (await runWithLease(job, lease, entry));
      if (!result) {
        // Stopped by close(): the batch goes back to the queue at once for the next worker.
        await lease.release();
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      await lease.release({ done: 1 });
      return result;
    } catch (error) {
      lease.stopRenewing();
      if (!(error instanceof DelayedError) && !LeaseLostError.isInstance(error) && lease.held) {
        // Give the lease back at once so that the next attempt need not wait for it to expire;
        // when this write fails too, the lease simply expires.
        await lease.release().catch((releaseError: unknown) => {
          worker.emit('error', asError(releaseError));
        });
      }
      throw error;
    } finally {
      if (active.get(key) === entry) active.delete(key);
    }
  };

  /**
   * Runs (or resumes) the batch with the lease held, and stores its result; undefined when the
   * batch was stopped by `close()`.
   */
  const runWithLease = async (
    job: Job<BatchRunJobData, BatchRunResult>,
    lease: ConversationLease,
    entry: ActiveRun,
  ): Promise<BatchRunResult | undefined> => {
    const { key, requests, settings } = job.data;
    const fenced = fencedStore(store, lease);
    const runOptions: ResumeBatchOptions = {
      ...settings,
      client: options.client,
      store: fenced,
      requests,
      resultsInMemoryLimit,
      ...(options.workDir !== undefined ? { workDir: options.workDir } : {}),
      ...(options.bus ? { bus: options.bus } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    };
    const cancelAsked = async () => (await (await redis()).exists(keys.cancel(key))) === 1;
    const stored = await store.get<{ snapshot?: { value?: unknown } }>(batchKey(key));
    const resumed = stored !== undefined;
    if (!stored && (await cancelAsked())) {
      // Cancelled before any worker started it: nothing exists on the platform.
      entry.cancelled = true;
      return record(lease, cancelledBeforeStart(job.data, workerId));
    }

    const start = async (again: boolean): Promise<BatchRun> => {
      try {
        return again || stored
          ? await resumeBatch(key, runOptions)
          : runBatch({ ...runOptions, requests, key });
      } catch (error) {
        // Options the batch refuses, and state of another batch under this key, fail the same way
        // on every attempt.
        if (
          InvalidArgumentError.isInstance(error) ||
          (BatchError.isInstance(error) && error.code === 'batch_key_mismatch')
        ) {
          throw new UnrecoverableError(error.message);
        }
        throw error;
      }
    };
    /** Follows a run to its end: its outcome and its actor, or undefined when close() stopped it. */
    const follow = async (
      run: BatchRun,
    ): Promise<{ outcome: BatchOutcome; actor: BatchRunActor } | undefined> => {
      entry.run = run;
      const stopOnLoss = lease.onLost(() => run.actor.stop());
      let last: BatchProgress | undefined;
      // Writes in order, at most one per interval; the last one is written once the run ends.
      const progress = run.progress$
        .pipe(
          tap((p) => (last = p)),
          throttleTime(progressIntervalMs, asyncScheduler, { leading: true, trailing: false }),
          concatMap((p) => job.updateProgress({ ...p })),
        )
        .subscribe({ error: (error: unknown) => worker.emit('error', asError(error)) });
      try {
        if (entry.cancelled || (await cancelAsked())) {
          entry.cancelled = true;
          run.cancel();
        }
        if (entry.stopped) run.actor.stop();
        const outcome = await run.done;
        progress.unsubscribe();
        if (last) await job.updateProgress({ ...last });
        // A lost lease stopped the run: nothing it did after is to be trusted or stored.
        lease.assertHeld();
        return entry.stopped ? undefined : { outcome, actor: run.actor };
      } finally {
        stopOnLoss();
        progress.unsubscribe();
        entry.run = undefined;
      }
    };

    let ended = await follow(await start(false));
    if (!ended) return undefined;
    if (
      stored &&
      stored.value.snapshot?.value !== 'failed' &&
      ended.outcome.status === 'failed' &&
      !ended.outcome.jobs.some((j) => j.status === 'FAILED')
    ) {
      // A resume that failed before its jobs ended (the input files of another machine, say)
      // starts again from its first step with the requests: the upload and the job are found
      // again, not made twice.
      ended = await follow(await start(true));
      if (!ended) return undefined;
    }
    return record(lease, await resultOf(ended.outcome, ended.actor, resumed));
  };

  /** Turns an outcome into the job's result, its results only up to `resultsInMemoryLimit`. */
  const resultOf = async (
    outcome: BatchOutcome,
    actor: BatchRunActor,
    resumed: boolean,
  ): Promise<BatchRunResult> => {
    let results: BatchResult[] | undefined;
    if (outcome.counts.total <= resultsInMemoryLimit) {
      results = [];
      for await (const result of outcome.readResults()) results.push(result);
    }
    return {
      key: outcome.key,
      status: outcome.status,
      counts: outcome.counts,
      jobs: outcome.jobs,
      errors: outcome.errors,
      ...(outcome.error
        ? { error: { code: outcome.error.code, message: redactString(outcome.error.message) } }
        : {}),
      ...(results ? { results } : {}),
      files: { workerId, hostname: hostname(), ...filesOf(actor) },
      resumed,
      finishedAt: Date.now(),
    };
  };

  /** Stores the result through the lease: the commit point of a batch run. */
  const record = async (
    lease: ConversationLease,
    result: BatchRunResult,
  ): Promise<BatchRunResult> => {
    await fencedStore(store, lease).set(batchRunResultKey(result.key), result);
    return result;
  };

  const worker = new Worker<BatchRunJobData, BatchRunResult>(name, processJob, {
    ...base,
    concurrency: options.concurrency ?? 5,
    autorun: options.autorun ?? true,
    ...leasedJobTiming(leaseMs, options),
  });
  watch.listen(worker);
  if (options.watchLeases ?? true) leaseWatch.start();

  /** Cancels the batch in flight when a client asks (pub/sub). */
  const listenForCancels = async () => {
    subscriber = (await redis()).duplicate();
    subscriber.on('error', (error) => worker.emit('error', error));
    subscriber.on('message', (_channel: string, key: string) => {
      const current = active.get(key);
      if (!current) return;
      current.cancelled = true;
      current.run?.cancel();
    });
    await subscriber.subscribe(keys.cancels);
  };
  const listening = listenForCancels();
  listening.catch((error: unknown) => worker.emit('error', asError(error)));

  return {
    id: workerId,
    name,
    worker,
    async ready() {
      await watch.connected(worker, `connecting batch run worker ${name}`);
      await watch.within(listening, `subscribing to cancels of ${name}`);
      const failure = await probeStore(
        store,
        batchRunResultKey('.probe'),
        watch.timeoutMs,
        'The batch run store',
      );
      if (failure) {
        throw new BatchRunError(
          'store_unavailable',
          failure.message,
          failure.cause ? { cause: failure.cause } : {},
        );
      }
    },
    close() {
      closing ??= (async () => {
        subscriber?.disconnect();
        await leaseWatch.stop();
        // Batches can run for hours: stop them where they are (their state is stored) and let
        // their jobs go back to the queue.
        for (const entry of active.values()) {
          entry.stopped = true;
          entry.run?.actor.stop();
        }
        if (!(await settlesWithin(worker.waitUntilReady(), watch.timeoutMs)).settled) {
          await closeUnconnectedWithin(watch, worker, queue);
          return;
        }
        await closeWhenReady(watch, worker);
        await closeWhenReady(watch, queue);
      })();
      return closing;
    },
  };
}

/** The output and error files of every shard of a run. */
function filesOf(actor: BatchRunActor | undefined): {
  outputPaths: string[];
  errorPaths: string[];
} {
  const outputPaths: string[] = [];
  const errorPaths: string[] = [];
  if (!actor) return { outputPaths, errorPaths };
  const snapshot = actor.getSnapshot();
  const children = snapshot.children as Record<string, BatchActor | undefined>;
  for (const shard of snapshot.context.shards) {
    const context = children[shard.key]?.getSnapshot().context;
    if (!context) continue;
    outputPaths.push(...context.outputPaths);
    errorPaths.push(...context.errorPaths);
  }
  return { outputPaths, errorPaths };
}

/** The result of a batch cancelled before any worker started it. */
function cancelledBeforeStart(data: BatchRunJobData, workerId: string): BatchRunResult {
  const total = data.requests.length;
  return {
    key: data.key,
    status: 'cancelled',
    counts: { total, succeeded: 0, failed: 0, missing: total },
    jobs: [],
    errors: [],
    files: { workerId, hostname: hostname(), outputPaths: [], errorPaths: [] },
    resumed: false,
    finishedAt: Date.now(),
  };
}

function validate(options: BatchRunWorkerOptions): void {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError('options', 'expected an options object');
  }
  if (!options.client) {
    throw new InvalidArgumentError('client', 'a Mistral client is required (createClient())');
  }
  if (!options.store) {
    throw new InvalidArgumentError('store', 'a store is required (RedisStore or PostgresStore)');
  }
  for (const key of [
    'concurrency',
    'lockDuration',
    'stalledInterval',
    'maxStalledCount',
    'resultsInMemoryLimit',
    'progressIntervalMs',
  ] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new InvalidArgumentError(key, `expected an integer >= 1, got ${String(value)}`);
    }
  }
  const { leaseMs } = options;
  if (leaseMs !== undefined && !(Number.isFinite(leaseMs) && leaseMs >= MIN_LEASE_MS)) {
    throw new InvalidArgumentError(
      'leaseMs',
      `expected at least ${MIN_LEASE_MS} milliseconds, got ${String(leaseMs)}`,
    );
  }
  if (options.workDir !== undefined && (typeof options.workDir !== 'string' || !options.workDir)) {
    throw new InvalidArgumentError('workDir', 'expected a directory path');
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
