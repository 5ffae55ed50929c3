import { createClient, type MistralFlowsEvents } from '@mistral-flows/core';
import { startEmulator, type ScenarioRule } from '@mistral-flows/emulator';
import { EventBus } from '@mistral-flows/stream';
import { testWire, useRedis, waitFor } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createChatWorker,
  enqueueChat,
  generateWebhookSecret,
  type ChatWorkerOptions,
} from '../src/index.js';
import { Cleanups, openChatQueue, startReceiver } from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const CHAT_ROUTE = 'POST /v1/chat/completions';
/** A model call the emulator never answers (the connection stays open until the client gives up). */
const NEVER_ANSWERS: ScenarioRule = {
  match: { lastUserMessage: 'never answers' },
  fault: 'timeout',
};
const user = (content: string) => [{ role: 'user' as const, content }];

/**
 * A worker on the emulator whose model calls for "never answers" hang; `clientTimeoutMs` builds
 * the SDK client with that timeout, `worker` adds worker options (`timeoutMs`, `attempts`).
 */
async function setup(options: {
  scenarios: ScenarioRule[];
  clientTimeoutMs?: number;
  worker?: Partial<ChatWorkerOptions>;
}) {
  const emulator = await startEmulator({ scenarios: options.scenarios });
  cleanups.add(() => emulator.close());
  const client = createClient({
    serverURL: emulator.url,
    apiKey: 'test',
    wire: testWire(),
    ...(options.clientTimeoutMs !== undefined ? { timeoutMs: options.clientTimeoutMs } : {}),
  });
  const secret = generateWebhookSecret();
  const receiver = await startReceiver(secret);
  cleanups.add(() => receiver.close());
  const { queue, queueEvents } = await openChatQueue({
    cleanups,
    redisUrl: redis.url,
    label: 'timeout',
    secret,
  });
  const bus = new EventBus<MistralFlowsEvents>();
  const failures: Array<{ error: string; willRetry: boolean }> = [];
  bus.on('queue:failed', ({ error, willRetry }) => failures.push({ error, willRetry }));
  const chatWorker = createChatWorker({
    connection,
    client,
    name: queue.name,
    limiter: false,
    events: bus,
    backoff: { initialDelayMs: 50, multiplier: 1, jitter: 'none' },
    webhook: { secret, allowHosts: ['127.0.0.1'], retrySchedule: [10, 10, 10] },
    ...options.worker,
  });
  cleanups.add(() => chatWorker.close());
  return { emulator, receiver, queue, queueEvents, chatWorker, failures };
}

describe.skipIf(!redis.available)('createChatWorker with a model that never answers', () => {
  it.each([{ stream: false }, { stream: true }])(
    'fails a job (stream: $stream) whose attempts pass the worker timeoutMs, dead-letters it and delivers the failure',
    async ({ stream }) => {
      const { emulator, receiver, queue, queueEvents, chatWorker, failures } = await setup({
        scenarios: [NEVER_ANSWERS],
        worker: { timeoutMs: 300, attempts: 2 },
      });
      const { jobId } = await enqueueChat(queue, {
        messages: user('a question the model never answers'),
        callbackUrl: receiver.url,
        stream,
      });
      const job = (await queue.queue.getJob(jobId))!;
      const started = Date.now();
      await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(10_000);

      await waitFor(() => failures.length === 2, { what: 'the failed events' });
      expect(failures.map((f) => f.willRetry)).toEqual([true, false]);
      expect(emulator.stats().faultsInjected['timeout']).toBe(2);
      expect(emulator.stats().requests[CHAT_ROUTE]).toBe(2);
      const [letter] = await chatWorker.deadLetters.getWaiting();
      expect(letter!.data).toMatchObject({ error: { code: 'timeout' }, attemptsMade: 2 });
      await waitFor(() => receiver.delivered().size === 1, { what: 'the failure webhook' });
      expect(receiver.received[0]!.payload).toMatchObject({
        type: 'chat.job.failed',
        data: { jobId, status: 'failed', attempts: 2, error: { code: 'timeout' } },
      });
      // The abandoned requests were closed by the client, not left open on the server.
      await waitFor(() => emulator.stats().modelCalls.inFlight === 0, {
        what: 'the timed-out calls to be closed',
      });
    },
  );

  it.each([{ stream: false }, { stream: true }])(
    'applies the timeout the client was built with (stream: $stream) and retries the call',
    async ({ stream }) => {
      const { emulator, queue, queueEvents, failures } = await setup({
        scenarios: [{ ...NEVER_ANSWERS, times: 1 }],
        clientTimeoutMs: 300,
      });
      const { jobId } = await enqueueChat(queue, {
        messages: user('a question the model never answers at first'),
        stream,
      });
      const result = await (await queue.queue.getJob(jobId))!.waitUntilFinished(
        queueEvents,
        15_000,
      );
      expect(result.content.length).toBeGreaterThan(0);
      expect((await queue.queue.getJob(jobId))!.attemptsMade).toBe(2);
      expect(failures).toEqual([{ error: expect.stringMatching(/timed out/i), willRetry: true }]);
      expect(emulator.stats().faultsInjected['timeout']).toBe(1);
      expect(emulator.stats().requests[CHAT_ROUTE]).toBe(2);
    },
  );
});
