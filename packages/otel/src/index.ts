export {
  createTelemetry,
  INSTRUMENTATION_NAME,
  INSTRUMENTATION_VERSION,
  type Telemetry,
  type TelemetryOptions,
} from './telemetry.js';
export {
  jobTraceContext,
  contextFromTraceContext,
  parseTraceContext,
  formatTraceContext,
} from './trace-context.js';
export { GEN_AI, METRICS, OWN, PROVIDER } from './attributes.js';
export { spanKey, type StoredSpan } from './telemetry-core.js';
export { MAX_CONTENT_CHARS } from './content.js';
export type { InspectionEventLike } from './inspection.js';
export type { ListenableBus } from './bus-spans.js';
export type { AgentNamer } from './conversation-spans.js';
export type {
  ChatJobTracingLike,
  ChatJobAttemptLike,
  ChatJobAttemptTraceLike,
} from './job-spans.js';
