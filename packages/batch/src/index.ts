export {
  writeBatchFile,
  toBatchLines,
  type BatchLinesOptions,
  type WrittenBatchFile,
} from './jsonl/write-batch-file.js';
export {
  readBatchResults,
  parseLine,
  type BatchResult,
  type MalformedLine,
  type BatchResultLine,
  type ByteSource,
} from './jsonl/read-batch-results.js';
export { readBatchInput } from './jsonl/read-batch-input.js';
export {
  BATCH_ENDPOINTS,
  bodySchemas,
  type BatchEndpoint,
  type BatchRequest,
  type BatchRequestInput,
} from './jsonl/batch-request.js';
export {
  batchMachine,
  KEY_METADATA,
  ATTEMPT_METADATA,
  type BatchActor,
  type BatchSnapshot,
} from './machine/batch-machine.js';
export {
  batchRunMachine,
  shardKey,
  type BatchRunActor,
  type BatchRunSnapshot,
  type ShardInfo,
} from './machine/batch-run-machine.js';
export type {
  BatchContext,
  BatchCounters,
  BatchEvent,
  BatchEmitted,
  BatchFinalStatus,
  BatchJobInfo,
  BatchMachineInput,
  PollOptions,
} from './machine/types.js';
export { batchActors, type BatchActorDeps } from './run/batch-actors.js';
export {
  runBatch,
  resumeBatch,
  batchKey,
  type RunBatchOptions,
  type ResumeBatchOptions,
  type BatchRun,
  type BatchProgress,
  type BatchProgressStatus,
  progressStatus,
} from './run/run-batch.js';
export { runLocally, type RunLocallyOptions } from './run/run-locally.js';
export type { BatchOutcome } from './run/outcome.js';
export {
  BatchError,
  BatchInputError,
  type BatchErrorCode,
  type BatchInputProblem,
} from './errors.js';
