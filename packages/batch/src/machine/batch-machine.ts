import {
  assign,
  enqueueActions,
  fromCallback,
  fromPromise,
  setup,
  type ActorRefFrom,
  type EventObject,
  type SnapshotFrom,
} from 'xstate';
import type { BatchEndpoint } from '../jsonl/batch-request.js';
import type {
  BatchContext,
  BatchEmitted,
  BatchEvent,
  BatchFinalStatus,
  BatchJobInfo,
  BatchMachineInput,
  PollOptions,
} from './types.js';

export interface PreparedInput {
  path: string;
  lines: number;
  bytes: number;
}

export interface PrepareInputArgs {
  key: string;
  attempt: number;
  workDir: string;
  endpoint: BatchEndpoint;
  /** Every body must name its model: the job is created with neither model nor agent. */
  requireBodyModel: boolean;
}

export interface UploadArgs {
  key: string;
  attempt: number;
  path: string;
  bytes: number;
}

export interface FindJobArgs {
  key: string;
  attempt: number;
  /** When the batch started (ms): its jobs were created after this. */
  since: number;
}

export interface CreateArgs extends FindJobArgs {
  endpoint: BatchEndpoint;
  model: string | undefined;
  agentId: string | undefined;
  metadata: Record<string, string>;
  timeoutHours: number;
  fileId: string | undefined;
  /** Set for inline jobs: the prepared input file to send as `requests`. */
  inlinePath: string | undefined;
}

export interface DownloadArgs {
  key: string;
  attempt: number;
  workDir: string;
  job: BatchJobInfo;
}

export interface DownloadedResults {
  outputPath: string | undefined;
  errorPath: string | undefined;
}

export interface RetryArgs {
  key: string;
  attempt: number;
  workDir: string;
  endpoint: BatchEndpoint;
  requireBodyModel: boolean;
  inputPath: string;
  outputPath: string | undefined;
}

/** Metadata keys that tie a platform job to its batch key and attempt (the idempotency anchor). */
export const KEY_METADATA = 'mistral_flows_batch_key';
export const ATTEMPT_METADATA = 'mistral_flows_batch_attempt';

const TERMINAL = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED']);
export const isTerminal = (status: string | undefined) =>
  status !== undefined && TERMINAL.has(status);

const notProvided = (name: string) => () => {
  throw new Error(`The batch machine's "${name}" actor is not provided: use runBatch()`);
};

const ZERO = Object.freeze({ total: 0, completed: 0, succeeded: 0, failed: 0 });

/** What a poll reports, handled alike while polling and while cancelling. */
const pollReports = {
  'job.update': [
    { guard: 'jobTerminal', target: 'downloading', actions: 'recordUpdate' },
    { actions: 'recordUpdate' },
  ],
  'job.lost': {
    target: 'failed',
    actions: {
      type: 'recordFailure',
      params: ({ event }: { event: { code: string; message: string } }) => ({
        code: event.code,
        message: event.message,
      }),
    },
  },
} as const;

/**
 * The lifecycle of one batch (one key): `preparing` (the JSONL input file) -> `uploading` ->
 * `locating` (a job for this key and attempt may exist already: then it is adopted, never created
 * twice) -> `creating` -> `polling` (with backoff, counters as progress) -> `downloading` (output
 * and error files) -> `succeeded`; or `failed`, `timedOut` (both keeping the partial results) and,
 * on `batch.cancel`, `cancelling` -> `cancelled`. With `retryFailed`, failed requests go round again
 * as a new job of the same key (`retryingFailed`).
 *
 * Every side effect is a named actor provided by `runBatch`; the context is plain JSON, so the
 * persisted snapshot resumes the batch in another process.
 */
export const batchMachine = setup({
  types: {
    context: {} as BatchContext,
    events: {} as BatchEvent,
    input: {} as BatchMachineInput,
    emitted: {} as BatchEmitted,
    output: {} as { status: BatchFinalStatus },
  },
  actors: {
    prepareInput: fromPromise<PreparedInput, PrepareInputArgs>(notProvided('prepareInput')),
    uploadInput: fromPromise<{ fileId: string }, UploadArgs>(notProvided('uploadInput')),
    findJob: fromPromise<BatchJobInfo | null, FindJobArgs>(notProvided('findJob')),
    createJob: fromPromise<BatchJobInfo, CreateArgs>(notProvided('createJob')),
    pollJob: fromCallback<
      EventObject,
      { jobId: string; attempt: number; poll: Required<PollOptions> }
    >(notProvided('pollJob')),
    cancelJob: fromPromise<BatchJobInfo, { jobId: string; attempt: number }>(
      notProvided('cancelJob'),
    ),
    downloadResults: fromPromise<DownloadedResults, DownloadArgs>(notProvided('downloadResults')),
    prepareRetry: fromPromise<PreparedInput, RetryArgs>(notProvided('prepareRetry')),
    /** A timer as an actor (not a delayed transition), so that a restored snapshot restarts it. */
    wait: fromCallback<EventObject, { ms: number }>(({ input, sendBack }) => {
      const timer = setTimeout(() => sendBack({ type: 'wait.done' }), input.ms);
      return () => clearTimeout(timer);
    }),
  },
  guards: {
    hasJob: ({ context }) => context.jobId !== undefined,
    cancelRequested: ({ context }) => context.cancelRequested,
    jobTerminal: ({ event }) => event.type === 'job.update' && isTerminal(event.job.status),
    canRetryFailed: ({ context }) => {
      const job = context.jobs.at(-1);
      if (!job || context.cancelRequested || context.attempt > context.retryFailed) return false;
      if (job.status !== 'SUCCESS' && job.status !== 'FAILED') return false;
      return (
        job.counters.failed > 0 ||
        job.status === 'FAILED' ||
        job.counters.succeeded < job.counters.total
      );
    },
    statusIs: ({ context }, params: { status: string }) => context.status === params.status,
  },
  actions: {
    recordPrepared: assign(({ context }, output: PreparedInput) => ({
      inputPath: output.path,
      totalRequests: context.attempt === 1 ? output.lines : context.totalRequests,
      inputBytes: output.bytes,
      inline: output.lines <= context.inlineMaxRequests && output.bytes <= context.inlineMaxBytes,
    })),
    recordFile: assign((_, output: { fileId: string }) => ({ fileId: output.fileId })),
    recordJob: enqueueActions(({ context, enqueue }, job: BatchJobInfo) => {
      const previous = context.status;
      const known = context.jobs.some((j) => j.id === job.id);
      enqueue.assign({
        jobId: job.id,
        status: job.status,
        counters: job.counters,
        jobs: known ? context.jobs.map((j) => (j.id === job.id ? job : j)) : [...context.jobs, job],
      });
      if (previous !== job.status)
        enqueue.emit({ type: 'status', status: job.status, previous, jobId: job.id });
    }),
    recordUpdate: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'job.update') return;
      const { job } = event;
      const previous = context.status;
      const moved =
        job.counters.completed !== context.counters.completed ||
        job.counters.total !== context.counters.total ||
        job.counters.failed !== context.counters.failed;
      const now = Date.now();
      const queuedSince = job.status === 'QUEUED' ? (context.queuedSince ?? now) : undefined;
      const stuck =
        job.status === 'QUEUED' &&
        !context.stuckReported &&
        now - (queuedSince ?? now) >= context.stuckAfterMs;
      enqueue.assign({
        status: job.status,
        counters: job.counters,
        jobs: context.jobs.map((j) => (j.id === job.id ? job : j)),
        queuedSince,
        stuckReported: context.stuckReported || stuck,
      });
      if (previous !== job.status)
        enqueue.emit({ type: 'status', status: job.status, previous, jobId: job.id });
      if (moved) enqueue.emit({ type: 'progress', jobId: job.id, counters: job.counters });
      if (stuck)
        enqueue.emit({
          type: 'stuck',
          jobId: job.id,
          status: job.status,
          sinceMs: now - (queuedSince ?? now),
        });
    }),
    recordDownload: assign(({ context }, output: DownloadedResults) => ({
      outputPaths: output.outputPath
        ? [...context.outputPaths, output.outputPath]
        : context.outputPaths,
      errorPaths: output.errorPath ? [...context.errorPaths, output.errorPath] : context.errorPaths,
    })),
    startRetryRound: assign(({ context }, output: PreparedInput) => ({
      attempt: context.attempt + 1,
      inputPath: output.path,
      inputBytes: output.bytes,
      inline: output.lines <= context.inlineMaxRequests && output.bytes <= context.inlineMaxBytes,
      fileId: undefined,
      jobId: undefined,
      status: undefined,
      counters: ZERO,
      queuedSince: undefined,
      stuckReported: false,
    })),
    requestCancel: assign({ cancelRequested: true }),
    recordFailure: enqueueActions(
      ({ enqueue }, params: { code: string; message: string; error?: unknown }) => {
        enqueue.assign({ failure: { code: params.code, message: params.message } });
        enqueue.emit({ type: 'failure', ...params });
      },
    ),
    finish: enqueueActions(({ enqueue }, params: { status: BatchFinalStatus }) => {
      enqueue.assign({ outcome: params.status });
      enqueue.emit({ type: 'done', status: params.status });
    }),
  },
}).createMachine({
  id: 'batch',
  context: ({ input }) => ({
    key: input.key,
    endpoint: input.endpoint,
    model: input.model,
    agentId: input.agentId,
    metadata: { ...input.metadata, [KEY_METADATA]: input.key },
    timeoutHours: input.timeoutHours ?? 24,
    workDir: input.workDir,
    poll: { initialMs: 1_000, maxMs: 30_000, multiplier: 1.5, ...input.poll },
    stuckAfterMs: input.stuckAfterMs ?? 600_000,
    retryFailed: input.retryFailed ?? 0,
    inlineMaxRequests: input.inlineMaxRequests ?? 100,
    inlineMaxBytes: input.inlineMaxBytes ?? 1_000_000,
    attempt: 1,
    inputPath: undefined,
    totalRequests: 0,
    inputBytes: 0,
    inline: false,
    fileId: undefined,
    jobId: undefined,
    jobs: [],
    status: undefined,
    counters: ZERO,
    queuedSince: undefined,
    stuckReported: false,
    cancelRequested: false,
    outputPaths: [],
    errorPaths: [],
    failure: undefined,
    outcome: undefined,
    createdAt: Date.now(),
    lookupSince: input.lookupSince ?? Date.now(),
  }),
  initial: 'preparing',
  states: {
    preparing: {
      invoke: {
        id: 'prepareInput',
        src: 'prepareInput',
        input: ({ context }) => ({
          key: context.key,
          attempt: context.attempt,
          workDir: context.workDir,
          endpoint: context.endpoint,
          requireBodyModel: requireBodyModel(context),
        }),
        onDone: [
          {
            guard: ({ context, event }) =>
              event.output.lines <= context.inlineMaxRequests &&
              event.output.bytes <= context.inlineMaxBytes,
            target: 'locating',
            actions: { type: 'recordPrepared', params: ({ event }) => event.output },
          },
          {
            target: 'uploading',
            actions: { type: 'recordPrepared', params: ({ event }) => event.output },
          },
        ],
        onError: failWith('input_invalid'),
      },
      on: { 'batch.cancel': { target: 'cancelled', actions: 'requestCancel' } },
    },
    uploading: {
      invoke: {
        id: 'uploadInput',
        src: 'uploadInput',
        input: ({ context }) => ({
          key: context.key,
          attempt: context.attempt,
          path: context.inputPath!,
          bytes: context.inputBytes,
        }),
        onDone: {
          target: 'locating',
          actions: { type: 'recordFile', params: ({ event }) => event.output },
        },
        onError: failWith('upload_failed'),
      },
      on: { 'batch.cancel': { target: 'cancelled', actions: 'requestCancel' } },
    },
    locating: {
      invoke: {
        id: 'findJob',
        src: 'findJob',
        input: ({ context }) => ({
          key: context.key,
          attempt: context.attempt,
          since: context.lookupSince,
        }),
        onDone: [
          {
            guard: ({ event }) => event.output !== null,
            target: 'polling',
            actions: { type: 'recordJob', params: ({ event }) => event.output! },
          },
          { guard: 'cancelRequested', target: 'cancelled' },
          { guard: 'hasJob', target: 'polling' },
          { target: 'creating' },
        ],
        onError: failWith('lookup_failed'),
      },
      on: { 'batch.cancel': { actions: 'requestCancel' } },
    },
    creating: {
      invoke: {
        id: 'createJob',
        src: 'createJob',
        input: ({ context }) => ({
          key: context.key,
          attempt: context.attempt,
          since: context.lookupSince,
          endpoint: context.endpoint,
          model: context.model,
          agentId: context.agentId,
          metadata: { ...context.metadata, [ATTEMPT_METADATA]: String(context.attempt) },
          timeoutHours: context.timeoutHours,
          fileId: context.inline ? undefined : context.fileId,
          inlinePath: context.inline ? context.inputPath : undefined,
        }),
        onDone: {
          target: 'polling',
          actions: { type: 'recordJob', params: ({ event }) => event.output },
        },
        onError: [
          // The create may have reached the platform: never create again without looking first.
          { guard: ({ event }) => retryable(event.error), target: 'recovering' },
          failWith('create_failed'),
        ],
      },
      on: { 'batch.cancel': { actions: 'requestCancel' } },
    },
    recovering: {
      invoke: { id: 'wait', src: 'wait', input: { ms: 1_000 } },
      on: {
        'wait.done': 'locating',
        'batch.cancel': { actions: 'requestCancel' },
      },
    },
    polling: {
      always: { guard: 'cancelRequested', target: 'cancelling' },
      invoke: {
        id: 'pollJob',
        src: 'pollJob',
        input: pollInput,
      },
      on: {
        ...pollReports,
        'batch.cancel': { target: 'cancelling', actions: 'requestCancel' },
      },
    },
    cancelling: {
      invoke: [
        {
          id: 'cancelJob',
          src: 'cancelJob',
          input: ({ context }) => ({ jobId: context.jobId!, attempt: context.attempt }),
          onError: failWith('cancel_failed'),
        },
        {
          id: 'cancelPoll',
          src: 'pollJob',
          input: pollInput,
        },
      ],
      on: {
        ...pollReports,
      },
    },
    downloading: {
      invoke: {
        id: 'downloadResults',
        src: 'downloadResults',
        input: ({ context }) => ({
          key: context.key,
          attempt: context.attempt,
          workDir: context.workDir,
          job: context.jobs.find((j) => j.id === context.jobId)!,
        }),
        onDone: {
          target: 'routing',
          actions: { type: 'recordDownload', params: ({ event }) => event.output },
        },
        onError: failWith('download_failed'),
      },
    },
    /** Where a job's end leads, once its results are on disk. */
    routing: {
      always: [
        { guard: 'canRetryFailed', target: 'retryingFailed' },
        { guard: { type: 'statusIs', params: { status: 'SUCCESS' } }, target: 'succeeded' },
        { guard: { type: 'statusIs', params: { status: 'TIMEOUT_EXCEEDED' } }, target: 'timedOut' },
        { guard: { type: 'statusIs', params: { status: 'CANCELLED' } }, target: 'cancelled' },
        {
          target: 'failed',
          actions: {
            type: 'recordFailure',
            params: ({ context }) => ({
              code: 'job_failed',
              message:
                context.jobs
                  .at(-1)
                  ?.errors.map((e) => e.message)
                  .join('; ') || `the job ended ${context.status ?? 'unknown'}`,
            }),
          },
        },
      ],
    },
    retryingFailed: {
      invoke: {
        id: 'prepareRetry',
        src: 'prepareRetry',
        input: ({ context }) => ({
          key: context.key,
          attempt: context.attempt + 1,
          workDir: context.workDir,
          endpoint: context.endpoint,
          requireBodyModel: requireBodyModel(context),
          inputPath: context.inputPath!,
          outputPath: context.outputPaths.at(-1),
        }),
        onDone: [
          { guard: ({ event }) => event.output.lines === 0, target: 'succeeded' },
          {
            guard: ({ context, event }) =>
              event.output.lines <= context.inlineMaxRequests &&
              event.output.bytes <= context.inlineMaxBytes,
            target: 'locating',
            actions: { type: 'startRetryRound', params: ({ event }) => event.output },
          },
          {
            target: 'uploading',
            actions: { type: 'startRetryRound', params: ({ event }) => event.output },
          },
        ],
        onError: failWith('retry_failed'),
      },
    },
    succeeded: { type: 'final', entry: { type: 'finish', params: { status: 'succeeded' } } },
    failed: { type: 'final', entry: { type: 'finish', params: { status: 'failed' } } },
    timedOut: { type: 'final', entry: { type: 'finish', params: { status: 'timedOut' } } },
    cancelled: { type: 'final', entry: { type: 'finish', params: { status: 'cancelled' } } },
  },
  output: ({ context }) => ({ status: context.outcome ?? 'failed' }),
});

/** A job created without a model or agent runs only bodies that name their own. */
function requireBodyModel(context: BatchContext): boolean {
  return !context.model && !context.agentId;
}

function retryable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === true
  );
}

/** The `pollJob` actor's input, in `polling` and in `cancelling`. */
function pollInput({ context }: { context: BatchContext }) {
  return { jobId: context.jobId!, attempt: context.attempt, poll: context.poll };
}

/** The transition of an invoked step's failure: to `failed`, with the error under `code`. */
function failWith(code: string) {
  return {
    target: 'failed',
    actions: {
      type: 'recordFailure',
      params: ({ event }: { event: { error: unknown } }) => ({
        ...describeError(code, event.error),
        error: event.error,
      }),
    },
  } as const;
}

function describeError(code: string, error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  return {
    code: typeof e?.code === 'string' ? e.code : code,
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

export type BatchActor = ActorRefFrom<typeof batchMachine>;
export type BatchSnapshot = SnapshotFrom<typeof batchMachine>;
