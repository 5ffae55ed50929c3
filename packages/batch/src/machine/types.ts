import type { BatchEndpoint } from '../jsonl/batch-request.js';

/** Final outcomes of a batch. */
export type BatchFinalStatus = 'succeeded' | 'failed' | 'timedOut' | 'cancelled';

/** A job's live counters, as the API reports them. */
export interface BatchCounters {
  total: number;
  completed: number;
  succeeded: number;
  failed: number;
}

/** What the machine knows of one job it created (or found). */
export interface BatchJobInfo {
  id: string;
  /** 1 for the first job of the key, 2+ for `retryFailed` rounds. */
  attempt: number;
  status: string;
  counters: BatchCounters;
  outputFile: string | null;
  errorFile: string | null;
  errors: Array<{ message: string; count?: number }>;
}

export interface PollOptions {
  /** First wait between polls (default 1 s). */
  initialMs?: number;
  /** Longest wait (default 30 s). */
  maxMs?: number;
  /** Growth per poll without progress (default 1.5); progress resets it. */
  multiplier?: number;
}

export interface BatchMachineInput {
  key: string;
  endpoint: BatchEndpoint;
  model?: string;
  agentId?: string;
  metadata?: Record<string, string>;
  timeoutHours?: number;
  /** Where the input, output and error files live (must survive a restart to resume). */
  workDir: string;
  poll?: PollOptions;
  /** A job still QUEUED after this long emits `batch:stuck` (default 10 min). */
  stuckAfterMs?: number;
  /** Resubmit the failed requests up to this many times (default 0). */
  retryFailed?: number;
  /** Inputs up to this many requests and bytes go inline in the create call (defaults 100 and 1 MB). */
  inlineMaxRequests?: number;
  inlineMaxBytes?: number;
  /**
   * When the batch started (ms since the epoch; default: when the machine is created). Every job
   * of it was created later, so a lookup lists only jobs created since.
   */
  lookupSince?: number;
}

export interface BatchContext {
  key: string;
  endpoint: BatchEndpoint;
  model: string | undefined;
  agentId: string | undefined;
  metadata: Record<string, string>;
  timeoutHours: number;
  workDir: string;
  poll: Required<PollOptions>;
  stuckAfterMs: number;
  retryFailed: number;
  inlineMaxRequests: number;
  inlineMaxBytes: number;
  /** The current attempt's input file, its size, and whether it goes inline. */
  attempt: number;
  inputPath: string | undefined;
  totalRequests: number;
  inputBytes: number;
  inline: boolean;
  fileId: string | undefined;
  jobId: string | undefined;
  jobs: BatchJobInfo[];
  /** Job status of the current job (`QUEUED`, `RUNNING`, ...). */
  status: string | undefined;
  counters: BatchCounters;
  queuedSince: number | undefined;
  stuckReported: boolean;
  cancelRequested: boolean;
  /** Result files downloaded, per attempt. */
  outputPaths: string[];
  errorPaths: string[];
  /** Why the batch failed when it was not the job (an API error), or the job's errors. */
  failure: { code: string; message: string } | undefined;
  /** Set on entering a final state. */
  outcome: BatchFinalStatus | undefined;
  createdAt: number;
  lookupSince: number;
}

export type BatchEvent =
  | { type: 'batch.cancel' }
  | { type: 'job.update'; job: BatchJobInfo }
  | { type: 'job.lost'; code: string; message: string }
  | { type: 'wait.done' };

export type BatchEmitted =
  | { type: 'status'; status: string; previous: string | undefined; jobId: string | undefined }
  | { type: 'progress'; jobId: string | undefined; counters: BatchCounters }
  | { type: 'stuck'; jobId: string; status: string; sinceMs: number }
  | { type: 'done'; status: BatchFinalStatus }
  /** A step failed: its code and message (as persisted) and the error itself (not persisted). */
  | { type: 'failure'; code: string; message: string; error?: unknown };
