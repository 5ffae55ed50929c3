import { createClient, type MistralFlowsEvents } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { EventBus } from '@mistral-flows/stream';
import { testWire, useRedis, waitFor } from '@mistral-flows/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createChatWorker,
  enqueueChat,
  generateWebhookSecret,
  webhookQueueName,
} from '../src/index.js';
import { Cleanups, openChatQueue, startReceiver } from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe.skipIf(!redis.available)('createChatWorker when queueing the webhook fails', () => {
  it.each([{ stream: false }, { stream: true }])(
    'keeps the answer with the job and delivers it on the retry without calling the model again (stream: $stream)',
    async ({ stream }) => {
      const emulator = await startEmulator();
      cleanups.add(() => emulator.close());
      const secret = generateWebhookSecret();
      const receiver = await startReceiver(secret);
      cleanups.add(() => receiver.close());
      const { name, queue, queueEvents } = await openChatQueue({
        cleanups,
        redisUrl: redis.url,
        label: 'stored',
        secret,
      });
      const bus = new EventBus<MistralFlowsEvents>();
      const failures: Array<{ error: string; willRetry: boolean }> = [];
      bus.on('queue:failed', ({ error, willRetry }) => failures.push({ error, willRetry }));
      const chatWorker = createChatWorker({
        connection,
        client: createClient({ serverURL: emulator.url, apiKey: 'test', wire: testWire() }),
        name,
        limiter: false,
        events: bus,
        // The retry waits for the test to promote it, after the delivery queue is mended.
        backoff: { initialDelayMs: 600_000, jitter: 'none' },
        webhook: { secret, allowHosts: ['127.0.0.1'], retrySchedule: [10] },
      });
      cleanups.add(() => chatWorker.close());

      // Break the delivery queue in Redis: BullMQ's add script starts with INCR on the queue's
      // id counter, which fails (before writing anything) while the counter is not a number.
      const admin = new Redis(redis.url);
      cleanups.add(() => admin.quit());
      const idKey = `bull:${webhookQueueName(name)}:id`;
      await admin.set(idKey, 'not a number');

      const { jobId } = await enqueueChat(queue, {
        messages: [{ role: 'user', content: 'Summarise the quarterly report' }],
        callbackUrl: receiver.url,
        stream,
      });
      await waitFor(() => failures.length === 1, { what: 'the failed webhook enqueue' });
      expect(failures[0]).toEqual({
        error: expect.stringMatching(/not an integer/),
        willRetry: true,
      });
      const job = (await queue.queue.getJob(jobId))!;
      expect(await job.getState()).toBe('delayed');
      expect(emulator.stats().modelCalls.total).toBe(1);

      await admin.del(idKey);
      await job.promote();
      const result = await job.waitUntilFinished(queueEvents, 15_000);
      await waitFor(() => receiver.delivered().size === 1, { what: 'the completion webhook' });

      expect(emulator.stats().modelCalls.total).toBe(1);
      expect((await queue.queue.getJob(jobId))!.attemptsMade).toBe(2);
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.verified).toBe(true);
      expect(receiver.received[0]!.payload).toMatchObject({
        type: 'chat.job.completed',
        data: { jobId, status: 'completed', result: { content: result.content } },
      });
      expect(result.content.length).toBeGreaterThan(0);
    },
  );
});
