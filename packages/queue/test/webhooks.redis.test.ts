import { createClient, type MistralFlowsEvents } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { EventBus } from '@mistral-flows/stream';
import { testWire, useRedis, waitFor } from '@mistral-flows/testing';
import type { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { createChatQueue } from '../src/index.js';
import {
  CallbackUrlError,
  compressSchedule,
  createChatWorker,
  createWebhookDispatcher,
  enqueueChat,
  generateWebhookSecret,
  redisReplayGuard,
  replayDeadLetters,
  signWebhook,
  verifyWebhook,
  STANDARD_RETRY_SCHEDULE,
  webhookQueueName,
  type ChatJobResult,
  type DeadLetter,
  type WebhookDelivery,
  type WebhookOptions,
} from '../src/index.js';
import {
  Cleanups,
  deleteQueueKeys,
  openChatQueue,
  startReceiver,
  uniqueName,
  type Receiver,
} from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const user = (content: string) => [{ role: 'user' as const, content }];

/** A chat queue, its worker on the emulator, and a receiver answering with `respond`. */
async function setup(options: {
  respond?: (n: number) => number | 'hang';
  webhook?: Partial<WebhookOptions>;
  /** The worker signs with a new key and the receiver's one, as during a key rotation. */
  rotate?: boolean;
}) {
  const emulator = await startEmulator();
  cleanups.add(() => emulator.close());
  const secret = generateWebhookSecret();
  const receiver = await startReceiver(secret, options.respond);
  cleanups.add(() => receiver.close());
  const { name, queue, queueEvents } = await openChatQueue({
    cleanups,
    redisUrl: redis.url,
    label: 'hooks',
    secret,
  });
  const bus = new EventBus<MistralFlowsEvents>();
  const chatWorker = createChatWorker({
    connection,
    client: createClient({ serverURL: emulator.url, apiKey: 'test', wire: testWire() }),
    name,
    limiter: false,
    events: bus,
    webhook: {
      secret: options.rotate ? [generateWebhookSecret(), secret] : secret,
      allowHosts: ['127.0.0.1'],
      retrySchedule: [10, 10, 10],
      ...options.webhook,
    },
  });
  cleanups.add(() => chatWorker.close());
  return { name, emulator, secret, receiver, queue, queueEvents, chatWorker, bus };
}

async function finish(
  queue: ReturnType<typeof createChatQueue>,
  queueEvents: QueueEvents,
  jobId: string,
): Promise<ChatJobResult> {
  const job = (await queue.queue.getJob(jobId))!;
  return await job.waitUntilFinished(queueEvents, 15_000);
}

function completions(receiver: Receiver) {
  return receiver.received.filter((r) => r.payload?.type === 'chat.job.completed');
}

describe.skipIf(!redis.available)('chat webhooks', () => {
  it('signs every delivery so that the standardwebhooks package verifies it, during a key rotation too', async () => {
    const { receiver, queue, queueEvents } = await setup({ rotate: true });
    const jobs = await Promise.all(
      ['one', 'two', 'three', 'four', 'five'].map((word) =>
        enqueueChat(queue, {
          messages: user(`Say ${word}`),
          callbackUrl: receiver.url,
          metadata: { word },
        }),
      ),
    );
    const results = await Promise.all(jobs.map((j) => finish(queue, queueEvents, j.jobId)));
    await waitFor(() => receiver.delivered().size === 5, { what: 'five webhooks' });

    expect(receiver.received).toHaveLength(5);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    for (const r of receiver.received) {
      expect(r.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
      expect(r.headers['content-type']).toBe('application/json');
    }
    for (const [i, { jobId }] of jobs.entries()) {
      const hook = receiver.received.find((r) => r.payload?.data.jobId === jobId)!;
      expect(hook.payload).toMatchObject({
        type: 'chat.job.completed',
        data: { status: 'completed', attempts: 1, result: { content: results[i]!.content } },
      });
    }
  });

  it('keeps delivering to a receiver that answers 503 three times, without running the model again', async () => {
    const { emulator, receiver, queue, queueEvents, bus } = await setup({
      respond: (n) => (n < 3 ? 503 : 200),
      webhook: { retrySchedule: compressSchedule(STANDARD_RETRY_SCHEDULE, 1 / 1_000) },
    });
    const failures: boolean[] = [];
    bus.on('queue:webhook-failed', ({ final }) => failures.push(final));
    const { jobId } = await enqueueChat(queue, {
      messages: user('hello'),
      callbackUrl: receiver.url,
    });
    await finish(queue, queueEvents, jobId);
    await waitFor(() => receiver.delivered().size === 1, {
      what: 'the fourth delivery',
      timeoutMs: 15_000,
    });

    expect(receiver.received.map((r) => r.status)).toEqual([503, 503, 503, 200]);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(failures).toEqual([false, false, false]);
    expect(emulator.stats().modelCalls.total).toBe(1);
    expect((await queue.queue.getJob(jobId))!.attemptsMade).toBe(1);
  });

  it('disables an endpoint that answers 410: no retry, and later callbacks to it are refused', async () => {
    const { name, receiver, queue, queueEvents, chatWorker } = await setup({ respond: () => 410 });
    const { jobId } = await enqueueChat(queue, { messages: user('hi'), callbackUrl: receiver.url });
    await finish(queue, queueEvents, jobId);
    await waitFor(() => chatWorker.webhooks!.isDisabled(receiver.url), {
      what: 'the endpoint to be disabled',
    });
    await waitFor(async () => (await chatWorker.deadLetters.getWaitingCount()) === 1, {
      what: 'the dead letter',
    });

    expect(receiver.received).toHaveLength(1);
    const [letter] = await chatWorker.deadLetters.getWaiting();
    expect(letter!.data).toMatchObject({
      source: { queue: webhookQueueName(name), name: 'webhook' },
      error: { code: 'webhook_gone', status: 410 },
    });
    const refused = await enqueueChat(queue, {
      messages: user('again'),
      callbackUrl: receiver.url,
    }).catch((error: unknown) => error);
    expect(CallbackUrlError.isInstance(refused)).toBe(true);
    expect((refused as CallbackUrlError).code).toBe('callback_url_disabled');

    await chatWorker.webhooks!.enable(receiver.url);
    await expect(
      enqueueChat(queue, { messages: user('again'), callbackUrl: receiver.url }),
    ).resolves.toMatchObject({ status: 'queued' });
  });

  it('dead-letters a delivery that exhausts its schedule, without the secret, and replays it', async () => {
    let up = false;
    const { name, secret, receiver, queue, queueEvents, chatWorker } = await setup({
      respond: () => (up ? 200 : 500),
      webhook: { retrySchedule: [5, 5] },
    });
    const { jobId } = await enqueueChat(queue, { messages: user('hi'), callbackUrl: receiver.url });
    await finish(queue, queueEvents, jobId);
    await waitFor(async () => (await chatWorker.deadLetters.getWaitingCount()) === 1, {
      what: 'the dead letter',
    });
    expect(receiver.received.map((r) => r.status)).toEqual([500, 500, 500]);
    const [letterJob] = await chatWorker.deadLetters.getWaiting();
    const letter = letterJob!.data as DeadLetter<WebhookDelivery>;
    expect(letter).toMatchObject({
      source: { queue: webhookQueueName(name), name: 'webhook' },
      error: { code: 'webhook_rejected', status: 500 },
      attemptsMade: 3,
      data: { id: receiver.received[0]!.id, url: receiver.url, type: 'chat.job.completed' },
    });
    const stored = JSON.stringify(letter);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice('whsec_'.length));

    up = true;
    const replay = await replayDeadLetters({ connection, queue: name });
    expect(replay.replayed).toEqual([`${webhookQueueName(name)}/${letter.data.id}`]);
    await waitFor(() => receiver.delivered().size === 1, { what: 'the replayed delivery' });
    expect(receiver.received.at(-1)!.id).toBe(letter.data.id);
    expect(receiver.received.at(-1)!.verified).toBe(true);
  });

  it('gives up on a receiver that does not answer within the timeout, and retries', async () => {
    const { receiver, queue, queueEvents, bus } = await setup({
      respond: (n) => (n === 0 ? 'hang' : 200),
      webhook: { timeoutMs: 200 },
    });
    const errors: string[] = [];
    bus.on('queue:webhook-failed', ({ error }) => errors.push(error));
    const { jobId } = await enqueueChat(queue, { messages: user('hi'), callbackUrl: receiver.url });
    await finish(queue, queueEvents, jobId);
    await waitFor(() => receiver.delivered().size === 1, { what: 'the second attempt' });
    expect(errors).toEqual([expect.stringMatching(/within 200 ms/)]);
    expect(completions(receiver)).toHaveLength(2);
  });
});

describe.skipIf(!redis.available)('redisReplayGuard', () => {
  async function receivers(id: string) {
    const prefix = `${uniqueName('replay')}:`;
    const clients = [new Redis(redis.url), new Redis(redis.url)];
    cleanups.add(async () => {
      await clients[0]!.del(`${prefix}${id}`);
      await Promise.all(clients.map((c) => c.quit()));
    });
    const secret = generateWebhookSecret();
    const body = '{"type":"t","timestamp":"x","data":{}}';
    const verify = (client: Redis) =>
      verifyWebhook(body, { ...signWebhook(secret, id, body) }, secret, {
        replayGuard: redisReplayGuard(client, { prefix }),
      });
    return { clients: clients as [Redis, Redis], verify };
  }

  it('lets only one of several receiver processes process a webhook id at a time', async () => {
    const { clients, verify } = await receivers('msg_once');
    const outcomes = await Promise.allSettled(clients.map(verify));
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected')!;
    expect(rejected.reason).toMatchObject({ code: 'webhook_in_progress' });
    const accepted = outcomes.find((o) => o.status === 'fulfilled')!;
    await accepted.value.markProcessed();
    await expect(verify(clients[1])).rejects.toMatchObject({ code: 'webhook_replayed' });
  });

  it("accepts the sender's retry in another process after the first one's processing failed", async () => {
    const { clients, verify } = await receivers('msg_failed');
    const first = await verify(clients[0]);
    await first.release(); // its handler threw: it answered 500
    const retry = await verify(clients[1]);
    await retry.markProcessed();
    await first.release(); // too late to undo anything
    await expect(verify(clients[0])).rejects.toMatchObject({ code: 'webhook_replayed' });
  });
});

describe.skipIf(!redis.available)('createWebhookDispatcher', () => {
  it('queues one delivery per webhook id, however often it is sent', async () => {
    const name = uniqueName('dispatch');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    const secret = generateWebhookSecret();
    const receiver = await startReceiver(secret);
    cleanups.add(() => receiver.close());
    const dispatcher = createWebhookDispatcher({
      connection,
      name,
      secret,
      allowHosts: ['127.0.0.1'],
    });
    cleanups.add(() => dispatcher.close());
    const message = { id: 'msg_same', url: receiver.url, type: 'test.event', data: { n: 1 } };
    await dispatcher.send(message);
    await waitFor(() => receiver.delivered().size === 1, { what: 'the delivery' });
    await dispatcher.send(message);
    await dispatcher.send({ ...message, data: { n: 2 } });
    await waitFor(async () => (await dispatcher.queue.getCompletedCount()) === 1, {
      what: 'the completed delivery',
    });
    expect(await dispatcher.queue.getJobCounts('waiting', 'delayed', 'active')).toMatchObject({
      waiting: 0,
      delayed: 0,
      active: 0,
    });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.payload).toMatchObject({ type: 'test.event', data: { n: 1 } });
  });

  it('refuses to queue a webhook for an internal host', async () => {
    const name = uniqueName('dns');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    const dispatcher = createWebhookDispatcher({
      connection,
      name,
      secret: generateWebhookSecret(),
    });
    cleanups.add(() => dispatcher.close());
    await expect(
      dispatcher.send({ id: 'msg_x', url: 'http://169.254.169.254/', type: 't', data: {} }),
    ).rejects.toMatchObject({ code: 'callback_url_forbidden' });
    expect(await dispatcher.queue.count()).toBe(0);
  });
});
