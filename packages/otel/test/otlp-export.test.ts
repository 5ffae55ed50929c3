import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConversation } from '@mistral-flows/agents';
import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../src/index.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: OtlpValue }>;
}
interface OtlpRequest {
  resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}

describe('createTelemetry through the OTLP/HTTP exporter', () => {
  it('exports a turn that a collector receives as OTLP JSON with the GenAI attributes', async () => {
    const requests: Array<{ path: string; type: string; body: OtlpRequest }> = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({
          path: req.url ?? '',
          type: req.headers['content-type'] ?? '',
          body: JSON.parse(body) as OtlpRequest,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
    const exporter = new OTLPTraceExporter({
      url: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`,
    });
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    try {
      const telemetry = createTelemetry({ tracerProvider });
      const chat = createConversation({
        client: createClient({ serverURL: emulator.url }),
        model: 'mistral-small-latest',
        store: new MemoryStore(),
        inspect: telemetry.inspect,
        id: 'conv-otlp',
      });
      await chat.send('Name a prime number.');
      await chat.close();
      await tracerProvider.forceFlush();

      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => r.path === '/v1/traces')).toBe(true);
      expect(requests[0]!.type).toContain('application/json');
      const spans = requests.flatMap((r) =>
        r.body.resourceSpans.flatMap((rs) =>
          rs.scopeSpans.flatMap((ss) => {
            expect(ss.scope.name).toBe('@mistral-flows/otel');
            return ss.spans;
          }),
        ),
      );
      const attr = (span: OtlpSpan, key: string) =>
        span.attributes.find((a) => a.key === key)?.value;
      const turn = spans.find((s) => s.name === 'invoke_agent mistral-small-latest')!;
      const chatSpan = spans.find((s) => s.name === 'chat mistral-small-latest')!;
      expect(attr(turn, 'gen_ai.conversation.id')?.stringValue).toBe('conv-otlp');
      expect(chatSpan.parentSpanId).toBe(turn.spanId);
      expect(chatSpan.traceId).toBe(turn.traceId);
      expect(attr(chatSpan, 'gen_ai.provider.name')?.stringValue).toBe('mistral_ai');
      expect(
        attr(chatSpan, 'gen_ai.response.finish_reasons')?.arrayValue?.values[0]?.stringValue,
      ).toBe('stop');
      expect(Number(attr(chatSpan, 'gen_ai.usage.output_tokens')?.intValue)).toBeGreaterThan(0);
    } finally {
      await tracerProvider.shutdown();
      await emulator.close();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
