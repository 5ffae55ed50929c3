export {
  createChatQueue,
  enqueueChat,
  webhookQueueName,
  DEFAULT_QUEUE_NAME,
  type ChatQueue,
  type ChatQueueOptions,
  type EnqueueOptions,
  type EnqueueResult,
} from './jobs/chat-queue.js';
export {
  createChatWorker,
  type ChatWorker,
  type ChatWorkerOptions,
  type ChatWebhookData,
} from './jobs/chat-worker.js';
export {
  DEFAULT_MODEL,
  type ChatJobInput,
  type ChatJobData,
  type ChatJobResult,
  type ChatJobProgress,
  type ChatMessage,
  type ChatToolCall,
  type JsonValue,
} from './jobs/chat-job.js';
export {
  type ChatJobTracing,
  type ChatJobAttempt,
  type ChatJobAttemptTrace,
} from './jobs/chat-job-tracing.js';
export { validateChatJob, validateJobOptions } from './jobs/validate-chat-job.js';
export { jobOutcome, DEFAULT_RATE_LIMIT_MS, type JobOutcome } from './jobs/job-outcome.js';
export { jobEvents$, type JobEvent } from './jobs/job-events.js';
export { waitForChatJob, type WaitForChatJobOptions } from './jobs/wait-for-chat-job.js';

export {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookDispatcherOptions,
  type WebhookOptions,
  type DeliveryResult,
} from './webhook/webhook-dispatcher.js';
export { signWebhook, webhookSignature, type WebhookHeaders } from './webhook/sign-webhook.js';
export {
  verifyWebhook,
  type VerifyWebhookOptions,
  type VerifiedWebhook,
  type WebhookRequestHeaders,
} from './webhook/verify-webhook.js';
export {
  memoryReplayGuard,
  redisReplayGuard,
  type ReplayClaim,
  type ReplayGuard,
} from './webhook/replay-guard.js';
export {
  generateWebhookSecret,
  webhookKeys,
  type WebhookSecret,
} from './webhook/webhook-secret.js';
export {
  checkCallbackUrl,
  isInternalAddress,
  type CallbackUrlPolicy,
} from './webhook/callback-url.js';
export {
  STANDARD_RETRY_SCHEDULE,
  compressSchedule,
  nextRetryDelay,
} from './webhook/retry-schedule.js';
export { deliveryOutcome, type DeliveryOutcome } from './webhook/delivery-outcome.js';
export {
  webhookId,
  type WebhookMessage,
  type WebhookDelivery,
  type WebhookPayload,
} from './webhook/webhook-message.js';

export { deadLetterQueueName, type DeadLetter } from './dead-letters/dead-letter.js';
export {
  replayDeadLetters,
  type ReplayDeadLettersOptions,
  type ReplayDeadLettersResult,
} from './dead-letters/replay-dead-letters.js';

export {
  watchBatchJobs,
  type WatchBatchJobsOptions,
  type BatchWatcher,
  type BatchJobSelector,
  type BatchPollResult,
} from './batch/watch-batch-jobs.js';
export { batchEventType, type BatchJobWebhookData } from './batch/batch-job-event.js';

export type { QueueEventSink } from './internal/event-sink.js';

export { InvalidJobError } from './errors/invalid-job-error.js';
export { CallbackUrlError, type CallbackUrlErrorCode } from './errors/callback-url-error.js';
export { WebhookSecretError } from './errors/webhook-secret-error.js';
export {
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './errors/webhook-verification-error.js';
export { ChatJobError, type ChatJobErrorCode } from './errors/chat-job-error.js';
export { RedisUnavailableError } from './errors/redis-unavailable-error.js';
export { DEFAULT_REDIS_TIMEOUT_MS } from './internal/connection-watch.js';
export {
  WebhookDeliveryError,
  type WebhookDeliveryErrorCode,
} from './errors/webhook-delivery-error.js';

export {
  createConversationWorker,
  createConversationClient,
  ConversationLease,
  leaseKey,
  DEFAULT_LEASE_MS,
  MIN_LEASE_MS,
  DEFAULT_CONVERSATION_QUEUE,
  type ConversationWorker,
  type ConversationWorkerOptions,
  type ConversationClient,
  type ConversationClientOptions,
  type ResultOptions,
  type ConversationLeaseOptions,
  type LeaseRecord,
  type ActionOutcome,
  type ActionReceipt,
  type ConversationAction,
  type ConversationJobData,
  type PendingApproval,
  type ConversationLogEvent,
} from './conversations/index.js';
export { LeaseLostError } from './errors/lease-lost-error.js';
export {
  ConversationRuntimeError,
  type ConversationRuntimeErrorCode,
} from './errors/conversation-runtime-error.js';

export {
  createBatchRunWorker,
  createBatchRunClient,
  DEFAULT_BATCH_RUN_QUEUE,
  DEFAULT_MAX_INPUT_BYTES,
  batchRunJobId,
  batchRunLeaseId,
  batchRunResultKey,
  type BatchRunWorker,
  type BatchRunWorkerOptions,
  type BatchRunClient,
  type BatchRunClientOptions,
  type BatchRunResultOptions,
  type StartBatchRunOptions,
  type BatchRunJobData,
  type BatchRunProgress,
  type BatchRunReceipt,
  type BatchRunResult,
  type BatchRunSettings,
} from './batch-runs/index.js';
export { BatchRunError, type BatchRunErrorCode } from './errors/batch-run-error.js';
