import { createTelemetry, type Telemetry } from '@mistral-flows/otel';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CollectingExporter, traceTree } from './trace-tree.js';

/** `--otel`: every scenario in one span, its tree printed after it, or sent over OTLP/HTTP. */
export interface DemoTelemetry {
  telemetry: Telemetry;
  /** Where spans go: `OTEL_EXPORTER_OTLP_ENDPOINT`, or the terminal. */
  destination: string;
  /** Runs a scenario inside its own root span. */
  run<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** The tree of the spans since the last call (nothing when exporting over OTLP). */
  tree(): Promise<string[]>;
  close(): Promise<void>;
}

export function startDemoTelemetry(env = process.env): DemoTelemetry {
  // The active context follows async work, so a scenario's spans nest under its root span.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const collector = endpoint ? undefined : new CollectingExporter();
  // The OTLP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _HEADERS) itself.
  const exporter = collector ?? new OTLPTraceExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = tracerProvider.getTracer('@mistral-flows/demo');
  return {
    telemetry: createTelemetry({ tracerProvider }),
    destination: endpoint ? `OTLP/HTTP to ${endpoint}` : 'a trace tree after each scenario',
    run(name, work) {
      return tracer.startActiveSpan(`scenario ${name}`, async (span) => {
        try {
          return await work();
        } finally {
          span.end();
        }
      });
    },
    async tree() {
      await tracerProvider.forceFlush();
      return collector ? traceTree(collector.take()) : [];
    },
    async close() {
      await tracerProvider.shutdown();
      contextManager.disable();
      trace.disable();
    },
  };
}
