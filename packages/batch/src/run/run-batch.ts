import {
  InvalidArgumentError,
  defaultStore,
  type BatchEvents,
  type EventSink,
  type RetryPolicy,
  type Store,
} from '@mistral-flows/core';
import type { Mistral } from '@mistralai/mistralai';
import { BehaviorSubject, type Observable } from 'rxjs';
import { createActor, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import { BatchError } from '../errors.js';
import {
  BATCH_ENDPOINTS,
  type BatchEndpoint,
  type BatchRequestInput,
} from '../jsonl/batch-request.js';
import { batchMachine, type BatchActor } from '../machine/batch-machine.js';
import {
  batchRunMachine,
  type BatchRunActor,
  type BatchRunContext,
  type BatchRunInput,
} from '../machine/batch-run-machine.js';
import type {
  BatchContext,
  BatchEmitted,
  BatchFinalStatus,
  PollOptions,
} from '../machine/types.js';
import { batchActors } from './batch-actors.js';
import { batchKey } from './batch-records.js';
import { failureError } from './failure-error.js';
import { buildOutcome, type BatchOutcome } from './outcome.js';
import { prepareShardsActor } from './prepare-shards.js';
import { snapshotWriter, type PersistedBatch } from './snapshot-writer.js';

export interface RunBatchOptions {
  client: Mistral;
  /** The requests: `{ customId, body }` (or `{ custom_id, body }`), an array or any (async) iterable. */
  requests: Iterable<BatchRequestInput> | AsyncIterable<BatchRequestInput>;
  endpoint?: BatchEndpoint;
  model?: string;
  agentId?: string;
  /** The batch's identity: resuming with it never creates a second job (default: a random UUID). */
  key?: string;
  /** Where the state goes after every step (default: `defaultStore()` from core, files in `.mistral-flows/store`). */
  store?: Store;
  /** Where input, output and error files live (default `.mistral-flows/batch`). */
  workDir?: string;
  metadata?: Record<string, string>;
  timeoutHours?: number;
  poll?: PollOptions;
  /** Aborting cancels the batch (the jobs are cancelled on the platform). */
  signal?: AbortSignal;
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Publishes `batch:status`, `batch:progress`, `batch:stuck`, `batch:done`. */
  bus?: EventSink<BatchEvents>;
  /** A job still QUEUED after this long emits `batch:stuck` (default 10 min). */
  stuckAfterMs?: number;
  /** Resubmit failed requests as new jobs of the same key, up to this many times (default 0). */
  retryFailed?: number;
  /** Inputs above these limits are split into several jobs (defaults 10,000 requests, 100 MB). */
  maxRequestsPerJob?: number;
  maxBytesPerJob?: number;
  /** Inputs up to these limits go inline in the create call instead of a file (defaults 100, 1 MB). */
  inlineMaxRequests?: number;
  inlineMaxBytes?: number;
  /** Above this many requests, `outcome.results` is not filled: read `outcome.readResults()` (default 100,000). */
  resultsInMemoryLimit?: number;
  /** Extra headers on every API call. */
  headers?: Record<string, string>;
  /** Retries of idempotent API calls (lookups, polls, downloads). */
  retry?: RetryPolicy;
}

export type ResumeBatchOptions = Omit<RunBatchOptions, 'requests' | 'key'> & {
  store: Store;
  /** Only needed when the batch was stopped before its input files were written. */
  requests?: RunBatchOptions['requests'];
};

/** Live progress of a batch, summed over its jobs. */
/** A job's status as the platform names it, or `NOT_CREATED` before there is a job. */
export type BatchProgressStatus =
  | 'NOT_CREATED'
  | 'QUEUED'
  | 'RUNNING'
  | 'CANCELLATION_REQUESTED'
  | 'SUCCESS'
  | 'FAILED'
  | 'TIMEOUT_EXCEEDED'
  | 'CANCELLED';

export interface BatchProgress {
  key: string;
  /** `preparing`, `uploading`, `locating`, `creating`, `polling`, `downloading`, ..., or a final state. */
  state: string;
  /**
   * The platform's job status (`QUEUED`, `RUNNING`, `SUCCESS`, ...), `NOT_CREATED` before the
   * job exists; for a batch split into several jobs, the least advanced one's.
   */
  status: BatchProgressStatus;
  total: number;
  completed: number;
  succeeded: number;
  failed: number;
  jobs: number;
  elapsedMs: number;
}

export interface BatchRun<TBody = unknown> {
  key: string;
  actor: BatchRunActor;
  progress$: Observable<BatchProgress>;
  done: Promise<BatchOutcome<TBody>>;
  cancel(): void;
}

export { batchKey };

/**
 * Runs requests through the Batch API (50% of the price of regular calls) as a durable actor:
 * the input is validated and streamed to JSONL, uploaded (or sent inline when small), one job is
 * created per shard, polled with backoff, and the output and error files downloaded and joined to
 * their custom_ids. The state is persisted after every step, and the id of each job the moment it
 * is created. Running it again with the same `key` (after a crash, or after a failure) goes
 * through every step again and finds what was done before (input files, upload, job), so a key
 * never gets a second job; `resumeBatch(key)` continues it from its stored state.
 *
 * `done` resolves with the outcome of every batch that ends, failed ones included (`status`
 * `failed` and a typed `error`); it rejects only on a defect of this package.
 *
 * @example
 * const run = runBatch({ client, requests, model: 'mistral-small-latest', key: 'nightly-2026-11-26' });
 * run.progress$.subscribe((p) => console.log(p.status, `${p.completed}/${p.total}`));
 * const outcome = await run.done;
 */
export function runBatch<TBody = unknown>(options: RunBatchOptions): BatchRun<TBody> {
  validate(options);
  const key = options.key ?? crypto.randomUUID();
  checkKey(key);
  // The bodies are the API's responses as read; `TBody` is the caller's word for them.
  return start(options, key, {}) as BatchRun<TBody>;
}

/**
 * Continues the batch stored under `key` in `options.store`, from the step where it stopped,
 * with exactly one job per key and round. A batch that failed before its jobs ended (input that
 * was missing or invalid, an API or store error) starts again from its first step with the stored
 * settings (options given here override them): its input files, upload and jobs are found again,
 * so nothing is paid twice. `requests` are needed only when the input files were never written.
 * Throws `batch_not_found` when nothing is stored under `key`, `batch_key_mismatch` when what is
 * stored belongs to another key.
 */
export async function resumeBatch<TBody = unknown>(
  key: string,
  options: ResumeBatchOptions,
): Promise<BatchRun<TBody>> {
  checkKey(key);
  const entry = await options.store.get<PersistedBatch>(batchKey(key));
  if (!entry) throw new BatchError('batch_not_found', `No stored batch "${key}"`);
  const stored = (entry.value.snapshot ?? {}) as StoredRun;
  const other = [entry.value.key, stored.context?.key].find((k) => k !== key);
  if (other !== undefined) {
    throw new BatchError(
      'batch_key_mismatch',
      `The state stored as "${batchKey(key)}" records batch ${JSON.stringify(other)}, not "${key}": refusing to resume another batch`,
    );
  }
  const run = failedBeforeJobsEnded(stored)
    ? start(options, key, { settings: stored.context })
    : start(options, key, { snapshot: stored });
  // The bodies are the API's responses as read; `TBody` is the caller's word for them.
  return run as BatchRun<TBody>;
}

/** The parts of a stored snapshot that `resumeBatch` reads. */
interface StoredRun {
  value?: unknown;
  context?: Partial<BatchRunContext>;
  children?: Record<
    string,
    { snapshot?: { value?: unknown; context?: { failure?: { code?: unknown } } } } | undefined
  >;
}

/**
 * True when a stored batch failed before its jobs ended: its parent failed (the input was missing,
 * invalid or another batch's), or a job machine failed for another reason than its job ending
 * `FAILED` (an API or store error). Such a batch can go again; one whose jobs ended keeps its
 * outcome.
 */
function failedBeforeJobsEnded(stored: StoredRun): boolean {
  if (stored.value === 'failed') return true;
  return Object.values(stored.children ?? {}).some(
    (child) =>
      child?.snapshot?.value === 'failed' && child.snapshot.context?.failure?.code !== 'job_failed',
  );
}

/** How a run starts: from a stored snapshot, afresh with stored settings, or afresh. */
interface StartFrom {
  snapshot?: unknown;
  settings?: Partial<BatchRunContext>;
}

function start(
  options: Omit<RunBatchOptions, 'requests' | 'key'> & { requests?: RunBatchOptions['requests'] },
  key: string,
  from: StartFrom,
): BatchRun {
  const store = options.store ?? defaultStore();
  const deps = {
    client: options.client,
    store,
    ...(options.requests ? { requests: options.requests } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  };
  const jobLogic = batchMachine.provide({ actors: batchActors(deps) });
  const logic = batchRunMachine.provide({
    actors: { prepareShards: prepareShardsActor(options.requests, store), batchJob: jobLogic },
  });
  const actor = createActor(logic, {
    input: runInput(options, key, from.settings),
    ...(from.snapshot ? { snapshot: from.snapshot as never } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });

  // The errors steps threw, by failure: the persisted failure keeps only their code and message.
  const thrown = new Map<string, unknown>();
  const remember = (e: Extract<BatchEmitted, { type: 'failure' }>) => {
    const id = failureId(e);
    if (!thrown.has(id)) thrown.set(id, e.error);
  };
  actor.on('failure', remember);

  const started = Date.now();
  const progress = new BehaviorSubject<BatchProgress>(progressOf(key, actor, started));
  // A snapshot the store keeps refusing stops the run where it is: going on would do work that a
  // crash would lose track of. The store keeps its last snapshot, from which a resume continues.
  const writer = snapshotWriter(
    store,
    key,
    () => actor.getPersistedSnapshot(),
    () => actor.stop(),
  );
  const watched = new Set<AnyActorRef>();
  const onChange = () => {
    writer.save();
    for (const child of children(actor)) {
      if (watched.has(child)) continue;
      watched.add(child);
      // A child's error reaches the parent, and through it `done`.
      child.subscribe({ next: onChange, error: () => undefined });
      child.on('failure', remember);
      if (options.bus) publish(child, options.bus);
    }
    progress.next(progressOf(key, actor, started));
  };
  // Errors are handled by `done` below.
  actor.subscribe({ next: onChange, error: () => undefined });

  const done = new Promise<BatchOutcome>((resolve, reject) => {
    actor.subscribe({
      complete: () => {
        void (async () => {
          await writer.flush();
          const outcome = await outcomeOf(actor, {
            resultsInMemoryLimit: options.resultsInMemoryLimit ?? 100_000,
            thrown,
            storeFailure: writer.failure,
          });
          options.bus?.emit('batch:done', {
            key,
            status: outcome.status,
            succeeded: outcome.counts.succeeded,
            failed: outcome.counts.failed,
            jobIds: outcome.jobs.map((j) => j.id),
          });
          progress.complete();
          resolve(outcome);
        })().catch(reject);
      },
      error: (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
    });
  });

  const cancel = () => actor.send({ type: 'batch.cancel' });
  if (options.signal) {
    if (options.signal.aborted) queueMicrotask(cancel);
    else options.signal.addEventListener('abort', cancel, { once: true });
  }
  actor.start();
  onChange();
  return { key, actor, progress$: progress.asObservable(), done, cancel };
}

/** The run machine's input: the options given, else the stored settings, else the defaults. */
function runInput(
  options: Omit<RunBatchOptions, 'requests' | 'key'>,
  key: string,
  stored: Partial<BatchRunContext> | undefined,
): BatchRunInput {
  const given: Partial<BatchRunInput['job']> = {
    endpoint: options.endpoint,
    workDir: options.workDir,
    model: options.model,
    agentId: options.agentId,
    metadata: options.metadata,
    timeoutHours: options.timeoutHours,
    poll: options.poll,
    stuckAfterMs: options.stuckAfterMs,
    retryFailed: options.retryFailed,
    inlineMaxRequests: options.inlineMaxRequests,
    inlineMaxBytes: options.inlineMaxBytes,
  };
  const job: Partial<BatchRunInput['job']> = { ...stored?.job };
  for (const [name, value] of Object.entries(given))
    if (value !== undefined) (job as Record<string, unknown>)[name] = value;
  const maxRequestsPerJob = options.maxRequestsPerJob ?? stored?.maxRequestsPerJob;
  const maxBytesPerJob = options.maxBytesPerJob ?? stored?.maxBytesPerJob;
  return {
    key,
    job: {
      ...job,
      endpoint: job.endpoint ?? '/v1/chat/completions',
      workDir: job.workDir ?? '.mistral-flows/batch',
    },
    ...(maxRequestsPerJob !== undefined ? { maxRequestsPerJob } : {}),
    ...(maxBytesPerJob !== undefined ? { maxBytesPerJob } : {}),
  };
}

/** The job machines (one per shard), not the parent's other invoked actors. */
function children(actor: BatchRunActor): BatchActor[] {
  const snapshot = actor.getSnapshot();
  const all = snapshot.children as Record<string, AnyActorRef | undefined>;
  return snapshot.context.shards.flatMap((shard) => {
    const child = all[shard.key];
    return child ? [child as BatchActor] : [];
  });
}

function progressOf(key: string, actor: BatchRunActor, started: number): BatchProgress {
  const snap = actor.getSnapshot();
  const jobs = children(actor).map((c) => c.getSnapshot().context);
  const sum = (f: (c: BatchContext) => number) => jobs.reduce((n, c) => n + f(c), 0);
  const shardTotal = snap.context.shards.reduce((n, s) => n + s.lines, 0);
  const single = jobs.length === 1 ? children(actor)[0]!.getSnapshot() : undefined;
  return {
    key,
    state: single && snap.matches('running') ? String(single.value) : String(snap.value),
    status: progressStatus(jobs.map((c) => c.status)),
    total: Math.max(
      shardTotal,
      sum((c) => c.counters.total),
    ),
    completed: sum((c) => c.counters.completed),
    succeeded: sum((c) => c.counters.succeeded),
    failed: sum((c) => c.counters.failed),
    jobs: jobs.reduce((n, c) => n + c.jobs.length, 0),
    elapsedMs: Date.now() - started,
  };
}

const STATUS_RANK: Record<string, number> = {
  NOT_CREATED: 0,
  QUEUED: 1,
  RUNNING: 2,
  CANCELLATION_REQUESTED: 3,
};

/**
 * One status for the jobs of a batch: `NOT_CREATED` until every job exists, else the least
 * advanced job's; when all have ended, `SUCCESS` only if every job succeeded, else the first
 * other ending.
 */
export function progressStatus(statuses: ReadonlyArray<string | undefined>): BatchProgressStatus {
  if (statuses.length === 0) return 'NOT_CREATED';
  const known = statuses.map((s) => (s ?? 'NOT_CREATED') as BatchProgressStatus);
  const open = known.filter((s) => s in STATUS_RANK);
  if (open.length > 0) return open.reduce((a, b) => (STATUS_RANK[b]! < STATUS_RANK[a]! ? b : a));
  return known.find((s) => s !== 'SUCCESS') ?? 'SUCCESS';
}

/** A failure's identity, to find the error that caused it. */
const failureId = (failure: { code: string; message: string }) =>
  `${failure.code}\n${failure.message}`;

async function outcomeOf(
  actor: BatchRunActor,
  options: {
    resultsInMemoryLimit: number;
    thrown: ReadonlyMap<string, unknown>;
    storeFailure: BatchError | undefined;
  },
): Promise<BatchOutcome> {
  const snap = actor.getSnapshot();
  const context: BatchRunContext = snap.context;
  const jobs = children(actor).map((c) => c.getSnapshot().context);
  const { storeFailure } = options;
  const status: BatchFinalStatus = storeFailure
    ? 'failed'
    : ((snap.output as { status?: BatchFinalStatus } | undefined)?.status ??
      context.outcome ??
      'failed');
  const failure = storeFailure
    ? { code: storeFailure.code, message: storeFailure.message }
    : (context.failure ?? jobs.find((j) => j.failure)?.failure);
  return buildOutcome({
    key: context.key,
    status,
    jobs: jobs.flatMap((j) => j.jobs),
    total: context.shards.reduce((n, s) => n + s.lines, 0),
    shards: jobs.map((j) => ({ key: j.key, outputPaths: j.outputPaths, errorPaths: j.errorPaths })),
    failure,
    error:
      storeFailure ??
      (status === 'failed'
        ? failureError(failure, failure ? options.thrown.get(failureId(failure)) : undefined)
        : undefined),
    resultsInMemoryLimit: options.resultsInMemoryLimit,
  });
}

function publish(child: BatchActor, bus: EventSink<BatchEvents>): void {
  const key = child.getSnapshot().context.key;
  child.on('status', (e: Extract<BatchEmitted, { type: 'status' }>) =>
    bus.emit('batch:status', { key, jobId: e.jobId, status: e.status, previous: e.previous }),
  );
  child.on('progress', (e: Extract<BatchEmitted, { type: 'progress' }>) =>
    bus.emit('batch:progress', { key, jobId: e.jobId, ...e.counters }),
  );
  child.on('stuck', (e: Extract<BatchEmitted, { type: 'stuck' }>) =>
    bus.emit('batch:stuck', { key, jobId: e.jobId, status: e.status, sinceMs: e.sinceMs }),
  );
}

/** A key that ends like this names a shard of a split batch (`shardKey`). */
const SHARD_SUFFIX = /~\d+of\d+$/;

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '')
    throw new InvalidArgumentError('key', 'a batch key must be a non-empty string');
  if (SHARD_SUFFIX.test(key)) {
    throw new InvalidArgumentError(
      'key',
      `a batch key must not end like "~1of2", which names a shard of a split batch: got "${key}"`,
    );
  }
}

function validate(options: RunBatchOptions): void {
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError('options', 'expected an options object');
  if (!options.client)
    throw new InvalidArgumentError('client', 'a Mistral client is required (createClient())');
  if (!options.requests) throw new InvalidArgumentError('requests', 'a batch needs requests');
  const endpoint = options.endpoint ?? '/v1/chat/completions';
  if (!BATCH_ENDPOINTS.includes(endpoint)) {
    throw new InvalidArgumentError(
      'endpoint',
      `expected one of ${BATCH_ENDPOINTS.join(', ')}, got ${String(endpoint)}`,
    );
  }
  if (options.model && options.agentId)
    throw new InvalidArgumentError('agentId', 'give a model or an agentId, not both');
  if (endpoint === '/v1/agents/completions' && !options.agentId) {
    throw new InvalidArgumentError('agentId', 'the agents endpoint needs an agentId');
  }
  for (const name of [
    'maxRequestsPerJob',
    'maxBytesPerJob',
    'inlineMaxRequests',
    'inlineMaxBytes',
    'resultsInMemoryLimit',
  ] as const) {
    const value = options[name];
    if (
      value !== undefined &&
      !(Number.isInteger(value) && value >= 0 && (name.startsWith('inline') || value > 0))
    ) {
      throw new InvalidArgumentError(name, `expected a positive integer, got ${String(value)}`);
    }
  }
  if (
    options.retryFailed !== undefined &&
    !(Number.isInteger(options.retryFailed) && options.retryFailed >= 0)
  ) {
    throw new InvalidArgumentError(
      'retryFailed',
      `expected an integer >= 0, got ${String(options.retryFailed)}`,
    );
  }
}
