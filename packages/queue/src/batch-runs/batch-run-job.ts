import type {
  BatchFinalStatus,
  BatchJobInfo,
  BatchProgress,
  BatchRequestInput,
  BatchResult,
  RunBatchOptions,
} from '@mistral-flows/batch';

/**
 * How a batch runs, as `runBatch` takes it: everything but the client, the store and the local
 * directory, which are the worker's. Travels in the job data with the requests.
 */
export type BatchRunSettings = Pick<
  RunBatchOptions,
  | 'endpoint'
  | 'model'
  | 'agentId'
  | 'metadata'
  | 'timeoutHours'
  | 'poll'
  | 'stuckAfterMs'
  | 'retryFailed'
  | 'maxRequestsPerJob'
  | 'maxBytesPerJob'
  | 'inlineMaxRequests'
  | 'inlineMaxBytes'
>;

/** A batch run job's data: the batch key, its requests and settings. */
export interface BatchRunJobData {
  key: string;
  /** Every request, so that any worker on any machine can prepare or resume the batch. */
  requests: BatchRequestInput[];
  settings: BatchRunSettings;
}

/**
 * How a batch run ended: the job's return value, also kept in the store under
 * `batch-run-result:<key>` (see `batchRunResultKey`). `results` holds every result only when the
 * batch has at most `resultsInMemoryLimit` requests (the worker's option, default 1,000); above
 * that, read them from the platform (`jobs[].outputFile` and `errorFile`, with
 * `client.files.download`) or from `files` on the worker's machine.
 */
export interface BatchRunResult {
  key: string;
  status: BatchFinalStatus;
  counts: { total: number; succeeded: number; failed: number; missing: number };
  /** Every platform job of the batch: one per shard and retry round, with its file ids. */
  jobs: BatchJobInfo[];
  /** Job-level errors and the reason the batch failed, if it did. */
  errors: Array<{ message: string; count?: number }>;
  /** Why the batch failed (`BatchError` code and message); set exactly when `status` is `failed`. */
  error?: { code: string; message: string };
  /** The merged results (latest round wins), or undefined above `resultsInMemoryLimit`. */
  results?: Array<BatchResult>;
  /** Where the worker that finished the batch wrote its output and error files. */
  files: { workerId: string; hostname: string; outputPaths: string[]; errorPaths: string[] };
  /** True when a worker took the batch over after its first worker stopped. */
  resumed: boolean;
  /** When the batch run ended: `Date.now()` on the worker. */
  finishedAt: number;
}

/** What `client.progress(key)` tells: the job's state and the batch's last reported progress. */
export interface BatchRunProgress {
  key: string;
  /** The BullMQ job's state: `waiting`, `active`, `delayed`, `completed`, `failed`, ... */
  jobState: string;
  /** The batch's progress as its worker last reported it (undefined before the worker starts). */
  progress: BatchProgress | undefined;
}

/** The receipt of `client.start()`. */
export interface BatchRunReceipt {
  key: string;
  jobId: string;
  /** False when a job of this key was already queued (or kept): it was not added again. */
  created: boolean;
}

/** The default queue name of batch runs. */
export const DEFAULT_BATCH_RUN_QUEUE = 'mistral-batch-runs';

/** The job id of batch `key`: deterministic, so that a key is queued once. */
export const batchRunJobId = (key: string) => `batch-run.${key}`;

/**
 * The id a batch run's lease is kept under (by `ConversationLease`, whose store key is
 * `conversation-lease:<id>`): the colon keeps it apart from every conversation id, which cannot
 * hold one.
 */
export const batchRunLeaseId = (key: string) => `batch-run:${key}`;

/** Where a worker records a batch run's result in the store. */
export const batchRunResultKey = (key: string) => `batch-run-result:${key}`;

/** Names of the Redis keys of batch runs, beside the queue's. */
export function batchRunKeys(prefix: string, name: string) {
  return {
    /** The channel on which clients announce a cancel (the message is the key). */
    cancels: `${prefix}:${name}:batch-run-cancels`,
    /** Set when a cancel was asked for batch `key`: a worker starting the job later sees it. */
    cancel: (key: string) => `${prefix}:${name}:batch-run-cancel:${key}`,
  };
}

/**
 * Batch keys of runs as jobs: they name job ids and Redis keys (BullMQ refuses `:` in job ids),
 * and cannot end like a shard key (`~1of2`).
 */
export const BATCH_RUN_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;
