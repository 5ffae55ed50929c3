import { createClient, RateLimiter, type MistralFlowsEvents } from '@mistral-flows/core';
import { startEmulator, type Emulator, type ScenarioRule } from '@mistral-flows/emulator';
import { EventBus } from '@mistral-flows/stream';
import { testWire, useRedis, waitFor } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createChatWorker,
  enqueueChat,
  generateWebhookSecret,
  jobEvents$,
  replayDeadLetters,
  type ChatJobProgress,
  type ChatWorkerOptions,
  type JobEvent,
} from '../src/index.js';
import { Cleanups, openChatQueue, startReceiver } from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const CHAT_ROUTE = 'POST /v1/chat/completions';

async function setup(
  scenarios: ScenarioRule[],
  worker: Partial<ChatWorkerOptions> = {},
  emulatorOptions: Parameters<typeof startEmulator>[0] = {},
) {
  const emulator: Emulator = await startEmulator({ scenarios, ...emulatorOptions });
  cleanups.add(() => emulator.close());
  const client = createClient({ serverURL: emulator.url, apiKey: 'test', wire: testWire() });
  const secret = generateWebhookSecret();
  const { name, queue, queueEvents } = await openChatQueue({
    cleanups,
    redisUrl: redis.url,
    label: 'chat',
    secret,
  });
  const chatWorker = createChatWorker({
    connection,
    client,
    name,
    limiter: false,
    backoff: { initialDelayMs: 100, multiplier: 2, jitter: 'none' },
    webhook: { secret, allowHosts: ['127.0.0.1'], retrySchedule: [10, 10, 10] },
    ...worker,
  });
  cleanups.add(() => chatWorker.close());
  return { name, emulator, client, secret, queue, queueEvents, chatWorker };
}

const user = (content: string) => [{ role: 'user' as const, content }];

describe.skipIf(!redis.available)('createChatWorker', () => {
  it('retries a 500 with exponential backoff and completes with the result', async () => {
    const { emulator, queue, queueEvents, chatWorker } = await setup([
      { match: { lastUserMessage: 'flaky' }, fault: '500', times: 2 },
    ]);
    const delays: number[] = [];
    chatWorker.worker.on('failed', (job) => delays.push(job?.delay ?? -1));
    const { jobId } = await enqueueChat(queue, { messages: user('a flaky question') });
    const job = (await queue.queue.getJob(jobId))!;
    const result = await job.waitUntilFinished(queueEvents, 15_000);

    expect(result.content.length).toBeGreaterThan(0);
    expect(result.kind).toBe('chat');
    expect(result.usage?.totalTokens).toBeGreaterThan(0);
    // BullMQ counts every attempt, the successful one included.
    expect((await queue.queue.getJob(jobId))!.attemptsMade).toBe(3);
    expect(delays).toEqual([100, 200]);
    expect(emulator.stats().faultsInjected['500']).toBe(2);
    expect(emulator.stats().requests[CHAT_ROUTE]).toBe(3);
  });

  it('gives up after `attempts` on a persistent 5xx and dead-letters the job', async () => {
    const { name, emulator, queue, queueEvents, chatWorker } = await setup(
      [{ match: { lastUserMessage: 'down' }, fault: '503' }],
      { attempts: 2 },
    );
    const { jobId } = await enqueueChat(queue, { messages: user('always down') });
    const job = (await queue.queue.getJob(jobId))!;
    await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(/503/);
    expect(emulator.stats().requests[CHAT_ROUTE]).toBe(2);
    const letters = await chatWorker.deadLetters.getWaiting();
    expect(letters.map((l) => l.data.source)).toEqual([
      expect.objectContaining({ queue: name, jobId, name: 'chat' }),
    ]);
    expect(letters[0]!.data.error).toMatchObject({ code: 'server', status: 503 });
    expect(letters[0]!.data.attemptsMade).toBe(2);
  });

  it('does not retry a 422: the job fails at once, is dead-lettered, the callback hears of it', async () => {
    const { name, emulator, secret, queue, queueEvents, chatWorker } = await setup([
      {
        match: { lastUserMessage: 'invalid' },
        error: { status: 422, message: 'Extra inputs are not permitted' },
        times: 1,
      },
    ]);
    const receiver = await startReceiver(secret);
    cleanups.add(() => receiver.close());
    const { jobId } = await enqueueChat(
      queue,
      { messages: user('an invalid request'), callbackUrl: receiver.url, metadata: { order: 7 } },
      { jobId: 'order-7' },
    );
    const job = (await queue.queue.getJob(jobId))!;
    await expect(job.waitUntilFinished(queueEvents, 15_000)).rejects.toThrow(/422/);

    expect((await queue.queue.getJob(jobId))!.attemptsMade).toBe(1);
    expect(emulator.stats().requests[CHAT_ROUTE]).toBe(1);
    const [letter] = (await chatWorker.deadLetters.getWaiting()).map((j) => j.data);
    expect(letter).toMatchObject({
      source: { queue: name, jobId: 'order-7' },
      error: { code: 'invalid_request', status: 422 },
      attemptsMade: 1,
    });
    await waitFor(() => receiver.delivered().size === 1, { what: 'the failure webhook' });
    const failed = receiver.received[0]!;
    expect(failed.verified).toBe(true);
    expect(failed.payload).toMatchObject({
      type: 'chat.job.failed',
      data: { jobId: 'order-7', status: 'failed', error: { status: 422 }, metadata: { order: 7 } },
    });

    // The cause is gone (the rule fired once): replaying runs the job again, to completion.
    const replay = await replayDeadLetters({ connection, queue: name });
    expect(replay).toEqual({ replayed: [`${name}/order-7`], skipped: [] });
    expect(await chatWorker.deadLetters.getWaitingCount()).toBe(0);
    await waitFor(async () => (await queue.queue.getJob('order-7'))?.returnvalue, {
      what: 'the replayed job to complete',
    });
    await waitFor(() => receiver.delivered().size === 2, { what: 'the completion webhook' });
    const completed = receiver.received.find((r) => r.payload?.type === 'chat.job.completed')!;
    expect(completed.verified).toBe(true);
    expect(completed.id).not.toBe(failed.id);
  });

  it('pauses the queue for Retry-After on a 429 and retries without counting an attempt', async () => {
    const bus = new EventBus<MistralFlowsEvents>();
    const actives: Array<{ jobId: string; at: number }> = [];
    bus.on('queue:active', ({ jobId }) => actives.push({ jobId, at: Date.now() }));
    const rateLimiter = new RateLimiter({ requests: 100, intervalMs: 1_000 });
    const { emulator, queue, queueEvents } = await setup(
      [{ match: { lastUserMessage: 'busy' }, fault: '429:1', times: 1 }],
      { concurrency: 1, limiter: { max: 1000, duration: 1000 }, events: bus, rateLimiter },
    );
    const first = await enqueueChat(queue, { messages: user('busy hour') });
    const second = await enqueueChat(queue, { messages: user('another question') });

    // The worker set BullMQ's rate limit from the 429's Retry-After (1 s).
    const ttl = await waitFor(
      async () => {
        // With maxJobs, only a limiter key pushed over the maximum (a manual rate limit) counts.
        const value = await queue.queue.getRateLimitTtl(1000);
        return value > 0 ? value : undefined;
      },
      { what: 'the queue to be rate limited' },
    );
    expect(ttl).toBeLessThanOrEqual(1_000);
    // The shared core RateLimiter was penalized too: other callers of the key back off.
    expect(rateLimiter.tryAcquire()).toBe(false);

    for (const { jobId } of [first, second]) {
      await (await queue.queue.getJob(jobId))!.waitUntilFinished(queueEvents, 15_000);
    }
    // Two requests, one attempt: the rate-limited one was not counted.
    expect((await queue.queue.getJob(first.jobId))!.attemptsMade).toBe(1);
    expect(emulator.stats().faultsInjected['429']).toBe(1);
    expect(emulator.stats().requests[CHAT_ROUTE]).toBe(3);
    // Nothing started between the 429 and the end of the pause.
    const [rateLimited, ...after] = actives;
    expect(rateLimited!.jobId).toBe(first.jobId);
    expect(after).toHaveLength(2);
    for (const event of after) expect(event.at - rateLimited!.at).toBeGreaterThanOrEqual(900);
  });

  it('reports progress of a streamed job and stores the streamed answer', async () => {
    const { queue, queueEvents } = await setup(
      [],
      { progressIntervalMs: 0 },
      { latency: { tokenMs: 1 } },
    );
    const events: JobEvent[] = [];
    const subscription = jobEvents$(queueEvents).subscribe((event) => events.push(event));
    cleanups.add(() => subscription.unsubscribe());
    const { jobId } = await enqueueChat(queue, {
      messages: user('Write three sentences about queues.'),
      stream: true,
    });
    const result = await (await queue.queue.getJob(jobId))!.waitUntilFinished(queueEvents, 15_000);
    await waitFor(() => events.some((e) => e.type === 'completed'), {
      what: 'the completed event',
    });
    const progress = events
      .filter((e): e is Extract<JobEvent, { type: 'progress' }> => e.type === 'progress')
      .map((e) => e.progress as ChatJobProgress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)!.characters).toBe(result.content.length);
    expect(progress.map((p) => p.chunks)).toEqual(
      [...progress.map((p) => p.chunks)].sort((a, b) => a - b),
    );
    expect(result.finishReason).toBe('stop');
    expect(result.usage?.completionTokens).toBeGreaterThan(0);
  });

  it('runs agent jobs with agents.complete', async () => {
    const { emulator, client, queue, queueEvents } = await setup([]);
    const agent = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'support',
      instructions: 'Answer briefly.',
    });
    const { jobId } = await enqueueChat(queue, {
      messages: user('Hello agent'),
      agentId: agent.id,
    });
    const job = (await queue.queue.getJob(jobId))!;
    expect(job.name).toBe('agent');
    const result = await job.waitUntilFinished(queueEvents, 15_000);
    expect(result.kind).toBe('agent');
    expect(result.content.length).toBeGreaterThan(0);
    expect(emulator.stats().requests['POST /v1/agents/completions']).toBe(1);
  });

  it('fails a job with a callback on a worker without a webhook secret, before calling the model', async () => {
    const { emulator, queue, queueEvents, chatWorker } = await setup([], { webhook: undefined });
    const { jobId } = await enqueueChat(queue, {
      messages: user('hi'),
      callbackUrl: 'http://127.0.0.1:9/hooks',
    });
    await expect(
      (await queue.queue.getJob(jobId))!.waitUntilFinished(queueEvents, 15_000),
    ).rejects.toThrow(/no webhook secret/);
    expect(emulator.stats().modelCalls.total).toBe(0);
    expect((await chatWorker.deadLetters.getWaiting())[0]!.data.error.code).toBe(
      'webhook_secret_missing',
    );
  });
});
