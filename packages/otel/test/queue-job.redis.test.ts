import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConversation } from '@mistral-flows/agents';
import { createClient, MemoryStore, type MistralFlowsEvents } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import {
  createChatQueue,
  createChatWorker,
  enqueueChat,
  generateWebhookSecret,
  InvalidJobError,
} from '@mistral-flows/queue';
import { EventBus } from '@mistral-flows/stream';
import { deleteQueueKeys, useRedis, waitFor } from '@mistral-flows/testing';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelemetry, jobTraceContext } from '../src/index.js';
import { allAttributeText, idOf, otelHarness, parentOf } from './support.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch {
      // One failed cleanup must not stop the others.
    }
  }
});

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that keeps every request's headers and body, and answers 204. */
async function startReceiver() {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function setup(options: { captureContent: boolean; apiKey: string }) {
  const emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
  cleanups.push(() => emulator.close());
  const otel = otelHarness();
  cleanups.push(() => otel.close());
  const telemetry = createTelemetry({ ...otel, captureContent: options.captureContent });
  const secret = generateWebhookSecret();
  const name = `mf-otel-${randomUUID().slice(0, 8)}`;
  cleanups.push(() => deleteQueueKeys(redis.url, [name]));
  const queue = createChatQueue({
    connection,
    name,
    webhook: { secret, allowHosts: ['127.0.0.1'] },
  });
  cleanups.push(() => queue.close());
  const bus = new EventBus<MistralFlowsEvents>();
  const stop = telemetry.observe(bus);
  cleanups.push(stop);
  const client = createClient({ serverURL: emulator.url, apiKey: options.apiKey });
  const worker = createChatWorker({
    connection,
    client,
    name,
    limiter: false,
    events: bus,
    webhook: { secret, allowHosts: ['127.0.0.1'], retrySchedule: [10, 10, 10] },
    tracing: telemetry.chatJobTracing,
  });
  cleanups.push(() => worker.close());
  const receiver = await startReceiver();
  return { otel, telemetry, queue, worker, receiver, secret, client };
}

describe.skipIf(!redis.available)('createTelemetry with a chat queue', () => {
  it('makes the enqueue, the job, its model call and its webhook delivery one trace, and the webhook carries traceparent', async () => {
    const { otel, queue, receiver } = await setup({
      captureContent: false,
      apiKey: 'test-key-0123456789',
    });
    const tracer = otel.tracerProvider.getTracer('test');
    const enqueueSpan = tracer.startSpan(`send ${queue.name}`, { kind: SpanKind.PRODUCER });
    const { jobId } = await enqueueChat(queue, {
      messages: [{ role: 'user', content: 'Say hello.' }],
      callbackUrl: receiver.url,
      traceContext: jobTraceContext(trace.setSpan(context.active(), enqueueSpan)),
    });
    enqueueSpan.end();
    await waitFor(() => receiver.received.length === 1, { timeoutMs: 15_000, what: 'the webhook' });
    await waitFor(() => otel.finished().some((s) => s.name === 'webhook deliver'), {
      what: 'the delivery span',
    });
    const spans = otel.finished();
    const traceId = enqueueSpan.spanContext().traceId;
    expect(spans.every((s) => s.spanContext().traceId === traceId)).toBe(true);
    const process = spans.find((s) => s.name === `process ${queue.name}`)!;
    const chat = spans.find((s) => s.name === 'chat mistral-small-latest')!;
    const delivery = spans.find((s) => s.name === 'webhook deliver')!;
    expect(parentOf(process)).toBe(enqueueSpan.spanContext().spanId);
    expect(process.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.message.id': jobId,
      'mistral_flows.job.attempt': 1,
    });
    expect(parentOf(chat)).toBe(idOf(process));
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'mistral_ai',
      'gen_ai.request.model': 'mistral-small-latest',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(parentOf(delivery)).toBe(idOf(process));
    expect(delivery.attributes['http.response.status_code']).toBe(204);
    // The receiver continues the trace from the header.
    expect(receiver.received[0]!.headers.traceparent).toBe(`00-${traceId}-${idOf(process)}-01`);
  });

  it('gives the chat span of a streamed job its time to first chunk', async () => {
    const { otel, queue, receiver } = await setup({
      captureContent: false,
      apiKey: 'test-key-0123456789',
    });
    await enqueueChat(queue, {
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      callbackUrl: receiver.url,
      stream: true,
    });
    await waitFor(() => receiver.received.length === 1, { timeoutMs: 15_000, what: 'the webhook' });
    await waitFor(() => otel.finished().some((s) => s.name === `process ${queue.name}`), {
      what: 'the attempt span',
    });
    const chat = otel.finished().find((s) => s.name === 'chat mistral-small-latest')!;
    expect(chat.attributes['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
    const ttfc = await otel.metric('gen_ai.client.operation.time_to_first_chunk');
    expect(ttfc[0]?.value.count).toBe(1);
    // Without a traceContext, the job starts a trace of its own, and the webhook carries it.
    const process = otel.finished().find((s) => s.name === `process ${queue.name}`)!;
    expect(process.parentSpanContext).toBeUndefined();
    expect(receiver.received[0]!.headers.traceparent).toBe(
      `00-${process.spanContext().traceId}-${idOf(process)}-01`,
    );
  });

  it('refuses a job whose traceContext is malformed, with a typed error', async () => {
    const { queue } = await setup({ captureContent: false, apiKey: 'test-key-0123456789' });
    await expect(
      enqueueChat(queue, {
        messages: [{ role: 'user', content: 'Hi' }],
        traceContext: { traceparent: 'not-a-traceparent' },
      }),
    ).rejects.toSatisfy((e) => InvalidJobError.isInstance(e));
  });

  it.each([false, true])(
    'never puts the API key or the webhook secret in an attribute (content capture %s)',
    async (captureContent) => {
      const apiKey = `sk-otel-${randomUUID()}`;
      const { otel, telemetry, queue, receiver, secret, client } = await setup({
        captureContent,
        apiKey,
      });
      const leak = `My key is ${apiKey} and the hook secret is ${secret}; Authorization: Bearer ${apiKey}`;
      await enqueueChat(queue, {
        messages: [{ role: 'user', content: leak }],
        callbackUrl: receiver.url,
        traceContext: jobTraceContext(
          trace.setSpan(context.active(), otel.tracerProvider.getTracer('t').startSpan('enqueue')),
        ),
      });
      await waitFor(() => receiver.received.length === 1, {
        timeoutMs: 15_000,
        what: 'the webhook',
      });
      const conversation = createConversation({
        client,
        model: 'mistral-small-latest',
        instructions: `Never reveal ${secret}.`,
        store: new MemoryStore(),
        inspect: telemetry.inspect,
      });
      try {
        await conversation.send(leak);
      } finally {
        await conversation.close();
      }
      await waitFor(() => otel.finished().some((s) => s.name === 'webhook deliver'), {
        what: 'the delivery span',
      });
      const spans = otel.finished();
      expect(spans.some((s) => s.name.startsWith('invoke_agent'))).toBe(true);
      const text = allAttributeText(spans);
      if (captureContent) expect(text).toContain('[REDACTED]');
      else expect(text).not.toContain('My key is');
      expect(text).not.toContain(apiKey);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice('whsec_'.length));
    },
  );
});
