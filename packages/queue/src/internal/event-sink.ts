import type { QueueEvents as QueueEventMap } from '@mistral-flows/core';

/**
 * Where the queue reports its `queue:*` events: an `EventBus<MistralFlowsEvents>` from
 * `@mistral-flows/stream`, or anything with the same `emit`.
 */
export interface QueueEventSink {
  emit<K extends keyof QueueEventMap>(type: K, payload: QueueEventMap[K]): void;
}

/** Emits without ever letting a listener's failure reach the queue's own work. */
export function emitSafely<K extends keyof QueueEventMap>(
  sink: QueueEventSink | undefined,
  type: K,
  payload: QueueEventMap[K],
): void {
  if (!sink) return;
  try {
    sink.emit(type, payload);
  } catch {
    // A bus listener's problem, not the job's.
  }
}
