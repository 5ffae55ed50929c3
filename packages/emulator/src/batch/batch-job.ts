/** Batch job statuses. */
export type BatchStatus =
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCESS'
  | 'FAILED'
  | 'TIMEOUT_EXCEEDED'
  | 'CANCELLATION_REQUESTED'
  | 'CANCELLED';

export const terminalStatuses: ReadonlySet<BatchStatus> = new Set([
  'SUCCESS',
  'FAILED',
  'TIMEOUT_EXCEEDED',
  'CANCELLED',
]);

/** A stored batch job: the API's fields plus what the engine needs to run or resume it. */
export interface BatchJobRecord {
  id: string;
  input_files: string[];
  metadata: Record<string, string> | null;
  endpoint: string;
  model: string | null;
  agent_id: string | null;
  output_file: string | null;
  error_file: string | null;
  errors: { message: string; count: number }[];
  status: BatchStatus;
  created_at: number;
  total_requests: number;
  completed_requests: number;
  succeeded_requests: number;
  failed_requests: number;
  started_at: number | null;
  completed_at: number | null;
  /** Creation time in ms, for the accelerated timeout clock. */
  createdMs: number;
  timeoutHours: number;
  /** The job was created with inline `requests` (its results also go to `outputs`). */
  inline: boolean;
}

/** The API's BatchJob object. */
export function batchJobJson(
  job: BatchJobRecord,
  outputs: Record<string, unknown>[] | null = null,
): Record<string, unknown> {
  return {
    id: job.id,
    object: 'batch',
    input_files: job.input_files,
    metadata: job.metadata,
    endpoint: job.endpoint,
    model: job.model,
    agent_id: job.agent_id,
    output_file: job.output_file,
    error_file: job.error_file,
    errors: job.errors,
    outputs,
    status: job.status,
    created_at: job.created_at,
    total_requests: job.total_requests,
    completed_requests: job.completed_requests,
    succeeded_requests: job.succeeded_requests,
    failed_requests: job.failed_requests,
    started_at: job.started_at,
    completed_at: job.completed_at,
  };
}
