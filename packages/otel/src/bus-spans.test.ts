import { metrics, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_OPEN_CHATS } from './bus-spans.js';
import { createTelemetry } from './telemetry.js';

afterEach(() => {
  trace.disable();
  metrics.disable();
});

/** A bus with `on(type, listener)` only, as an application's own might be. */
function onOnlyBus() {
  const listeners = new Map<string, Array<(payload: unknown) => void>>();
  return {
    on(type: string, listener: (payload: unknown) => void) {
      listeners.set(type, [...(listeners.get(type) ?? []), listener]);
      return () =>
        listeners.set(
          type,
          (listeners.get(type) ?? []).filter((l) => l !== listener),
        );
    },
    emit(type: string, payload: unknown) {
      for (const l of listeners.get(type) ?? []) l(payload);
    },
    count: () => [...listeners.values()].reduce((n, l) => n + l.length, 0),
  };
}

describe('Telemetry.observe', () => {
  it('works on a bus that has only on(type, listener), and stops listening', () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    const bus = onOnlyBus();
    const stop = createTelemetry({ tracerProvider }).observe(bus);
    expect(bus.count()).toBeGreaterThan(0);
    bus.emit('chat:start', { requestId: 'r', model: 'm', requestedAt: Date.now() - 5 });
    bus.emit('chat:complete', {
      requestId: 'r',
      content: 'hi',
      finishReason: 'stop',
      usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 },
    });
    stop();
    expect(bus.count()).toBe(0);
    const [span] = spans.getFinishedSpans();
    expect(span?.name).toBe('chat m');
    expect(span?.attributes['gen_ai.usage.input_tokens']).toBe(3);
    expect(span?.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  it('ends the oldest open chat span as abandoned when too many streams never ended', () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(spans)],
    });
    const bus = onOnlyBus();
    createTelemetry({ tracerProvider }).observe(bus);
    for (let i = 0; i <= MAX_OPEN_CHATS; i++)
      bus.emit('chat:start', { requestId: `r${i}`, model: 'm' });
    const ended = spans.getFinishedSpans();
    expect(ended).toHaveLength(1);
    expect(ended[0]!.attributes['mistral_flows.request_id']).toBe('r0');
    expect(ended[0]!.events.map((e) => e.name)).toEqual(['abandoned']);
  });
});
