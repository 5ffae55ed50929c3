import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A tracer and a meter provider with in-memory exporters, for one test. */
export function otelHarness() {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    spans,
    tracerProvider,
    meterProvider,
    finished: (): ReadableSpan[] => spans.getFinishedSpans(),
    /** Collects the metrics now and returns the data points of `name`. */
    async metric(name: string) {
      const { resourceMetrics } = await reader.collect();
      return points(resourceMetrics, name);
    },
    async close() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
    },
  };
}

function points(resourceMetrics: ResourceMetrics, name: string) {
  const found: Array<{
    attributes: Record<string, unknown>;
    value: { count: number; sum?: number };
  }> = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        found.push(point as unknown as (typeof found)[number]);
      }
    }
  }
  return found;
}

export const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
export const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/** Every attribute value of every span and span event, as text. */
export function allAttributeText(spans: readonly ReadableSpan[]): string {
  return spans
    .flatMap((s) => [
      JSON.stringify(s.attributes),
      JSON.stringify(s.status),
      s.name,
      ...s.events.map((e) => JSON.stringify(e.attributes ?? {})),
      ...s.links.map((l) => JSON.stringify(l.attributes ?? {})),
    ])
    .join('\n');
}
