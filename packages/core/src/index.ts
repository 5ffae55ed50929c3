export {
  createClient,
  type CreateClientOptions,
  type ClientRetryOptions,
  type ClientWire,
} from './client/create-client.js';
export {
  clientTimeoutMs,
  requestSignal,
  withRequestSignal,
  SDK_DEFAULT_TIMEOUT_MS,
} from './client/request-signal.js';

export { MistralFlowsError, type MistralFlowsErrorOptions } from './errors/mistral-flows-error.js';
export { brand as brandError, hasBrand as hasErrorBrand } from './errors/brand.js';
export { ApiError, type ApiErrorCode, type ErrorClassification } from './errors/api-error.js';
export { ConfigError } from './errors/config-error.js';
export { InvalidArgumentError } from './errors/invalid-argument-error.js';
export { StoreConflictError } from './errors/store-conflict-error.js';
export { StoreError, type StoreErrorCode } from './errors/store-error.js';
export { classifyError, toApiError, type ClassifyOptions } from './errors/classify-error.js';
export { parseRetryAfter } from './errors/retry-after.js';

export {
  redact,
  redactError,
  redactForStorage,
  redactString,
  registerSecret,
  type RedactOptions,
} from './redact/redact.js';

export {
  retry,
  type RetryPolicy,
  type RetryInfo,
  type RetryContext,
  type RetryOptions,
} from './retry/retry.js';
export { backoffDelay, type BackoffOptions } from './retry/backoff.js';
export { sleep, abortReason } from './retry/sleep.js';

export {
  RateLimiter,
  type RateLimiterOptions,
  type AcquireOptions,
  type ObserveOptions,
} from './concurrency/rate-limiter.js';
export {
  parseRateLimitHeaders,
  type ServerRateLimit,
  type RateLimitBudget,
  type HeadersLike,
} from './concurrency/rate-limit-headers.js';
export { Semaphore } from './concurrency/semaphore.js';
export {
  mapConcurrent,
  type Settled,
  type MapConcurrentOptions,
  type MapConcurrentContext,
  type MapConcurrentProgress,
} from './concurrency/map-concurrent.js';

export type { Store, StoreEntry, SetOptions, ListOptions, JsonValue } from './store/store.js';
export { JsonText } from './store/store.js';
export { MemoryStore } from './store/memory-store.js';
export { FileStore, type FileStoreOptions } from './store/file-store.js';
export { defaultStore } from './store/default-store.js';
// SqliteStore and RedisStore live in the subpaths `@mistral-flows/core/sqlite` and
// `@mistral-flows/core/redis`, so that this entry needs no native module and no Redis client.

export {
  EVENT_NAMES,
  isEventName,
  type Usage,
  type TraceContext,
  type ChatEvents,
  type AgentEvents,
  type BatchEvents,
  type QueueEvents,
  type MistralFlowsEvents,
  type MistralFlowsEventName,
  type EventSink,
} from './events/event-map.js';
