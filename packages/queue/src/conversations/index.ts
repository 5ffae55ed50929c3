export {
  createConversationWorker,
  type ConversationWorker,
  type ConversationWorkerOptions,
} from './conversation-worker.js';
export {
  createConversationClient,
  type ConversationClient,
  type ConversationClientOptions,
  type ResultOptions,
} from './conversation-client.js';
export {
  ConversationLease,
  leaseKey,
  DEFAULT_LEASE_MS,
  MIN_LEASE_MS,
  type ConversationLeaseOptions,
  type LeaseRecord,
} from './conversation-lease.js';
export {
  DEFAULT_CONVERSATION_QUEUE,
  type ActionOutcome,
  type ActionReceipt,
  type ConversationAction,
  type ConversationJobData,
  type PendingApproval,
} from './conversation-action.js';
export type { ConversationLogEvent } from './conversation-log.js';
