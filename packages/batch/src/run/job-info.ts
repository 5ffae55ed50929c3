import type { BatchJob } from '@mistralai/mistralai/models/components';
import type { BatchJobInfo } from '../machine/types.js';

/** What the machine keeps of a platform job (plain JSON, persisted with the snapshot). */
export function toJobInfo(job: BatchJob, attempt: number): BatchJobInfo {
  return {
    id: job.id,
    attempt,
    status: job.status,
    counters: {
      total: job.totalRequests,
      completed: job.completedRequests,
      succeeded: job.succeededRequests,
      failed: job.failedRequests,
    },
    outputFile: job.outputFile ?? null,
    errorFile: job.errorFile ?? null,
    errors: job.errors.map((e) => ({
      message: e.message,
      ...(e.count !== undefined ? { count: e.count } : {}),
    })),
  };
}
