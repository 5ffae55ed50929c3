export {
  createBatchRunWorker,
  type BatchRunWorker,
  type BatchRunWorkerOptions,
} from './batch-run-worker.js';
export {
  createBatchRunClient,
  DEFAULT_MAX_INPUT_BYTES,
  type BatchRunClient,
  type BatchRunClientOptions,
  type BatchRunResultOptions,
  type StartBatchRunOptions,
} from './batch-run-client.js';
export {
  DEFAULT_BATCH_RUN_QUEUE,
  batchRunJobId,
  batchRunLeaseId,
  batchRunResultKey,
  type BatchRunJobData,
  type BatchRunProgress,
  type BatchRunReceipt,
  type BatchRunResult,
  type BatchRunSettings,
} from './batch-run-job.js';
