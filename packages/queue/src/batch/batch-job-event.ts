import type { BatchJob } from '@mistralai/mistralai/models/components';

/** What a `batch.job.<status>` webhook carries as `data`. */
export interface BatchJobWebhookData {
  id: string;
  /** The new status, as the API spells it (`QUEUED`, `RUNNING`, `SUCCESS`, ...). */
  status: string;
  /** The status the watcher saw before, or null for a job seen for the first time. */
  previousStatus: string | null;
  endpoint: string;
  model: string | null;
  agentId: string | null;
  metadata: Record<string, unknown> | null;
  /** The job's counters when the transition was seen. */
  totalRequests: number;
  completedRequests: number;
  succeededRequests: number;
  failedRequests: number;
  /** Unix seconds, as the API gives them. */
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  outputFile: string | null;
  errorFile: string | null;
}

/** `batch.job.queued`, `batch.job.running`, `batch.job.success`, `batch.job.timeout_exceeded`, ... */
export function batchEventType(status: string): string {
  return `batch.job.${status.toLowerCase()}`;
}

export function batchWebhookData(
  job: BatchJob,
  previousStatus: string | null,
): BatchJobWebhookData {
  return {
    id: job.id,
    status: job.status,
    previousStatus,
    endpoint: job.endpoint,
    model: job.model ?? null,
    agentId: job.agentId ?? null,
    metadata: job.metadata ?? null,
    totalRequests: job.totalRequests,
    completedRequests: job.completedRequests,
    succeededRequests: job.succeededRequests,
    failedRequests: job.failedRequests,
    createdAt: job.createdAt,
    startedAt: job.startedAt ?? null,
    completedAt: job.completedAt ?? null,
    outputFile: job.outputFile ?? null,
    errorFile: job.errorFile ?? null,
  };
}
