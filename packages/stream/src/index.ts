export { chatStream } from './chat-stream.js';
export { agentStream } from './agent-stream.js';
export { conversationStream, type ConversationStreamInput } from './conversation-stream.js';
export type { StreamOptions } from './internal/run-stream.js';
export type {
  StreamEvent,
  StreamEventType,
  ResponseStartEvent,
  TextDeltaEvent,
  ToolCallEvent,
  ResponseEndEvent,
  RestartEvent,
  ToolExecutionStartEvent,
  ToolExecutionDeltaEvent,
  ToolExecutionEndEvent,
  AgentHandoffStartEvent,
  AgentHandoffEndEvent,
  UnknownEvent,
  ToolCallPart,
  Completion,
} from './stream-event.js';
export { StreamError, type StreamErrorCode, type StreamErrorOptions } from './stream-error.js';

export { textDeltas } from './operators/text-deltas.js';
export { accumulateText } from './operators/accumulate-text.js';
export { toCompletion } from './operators/to-completion.js';
export { bufferForUi } from './operators/buffer-for-ui.js';
export { withUsage } from './operators/with-usage.js';

export { EventBus, type BusEvent, type EventBusOptions } from './event-bus.js';
export { toBus } from './to-bus.js';

export { serveSSE, type ServeSseOptions } from './sse/serve-sse.js';
export { sseResponse } from './sse/sse-response.js';
export { fromSSE, type FromSseOptions } from './sse/from-sse.js';
export { recordTo, type RecordOptions } from './sse/record.js';
export type {
  ReplayLog,
  ReplayRecord,
  ReplayEntry,
  ReplayEnd,
  ReplayFailure,
} from './sse/replay-log.js';
export { MemoryReplayLog, type MemoryReplayLogOptions } from './sse/memory-replay-log.js';
// RedisReplayLog lives in the subpath `@mistral-flows/stream/redis` (optional peer: ioredis).
export { SseParser, formatSseFrame, type SseMessage } from './sse/sse-frame.js';
