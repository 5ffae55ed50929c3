import { createClient } from '@mistral-flows/core';
import { startEmulator, type ScenarioRule } from '@mistral-flows/emulator';
import { testWire, useRedis } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatJobError, createChatWorker, enqueueChat, waitForChatJob } from '../src/index.js';
import { Cleanups, openChatQueue } from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const user = (content: string) => [{ role: 'user' as const, content }];

async function setup(options: { worker: boolean; scenarios?: ScenarioRule[] }) {
  const { name, queue } = await openChatQueue({ cleanups, redisUrl: redis.url, label: 'wait' });
  if (options.worker) {
    const emulator = await startEmulator({ scenarios: options.scenarios ?? [] });
    cleanups.add(() => emulator.close());
    const client = createClient({ serverURL: emulator.url, apiKey: 'test', wire: testWire() });
    const worker = createChatWorker({
      connection,
      client,
      name,
      limiter: false,
      backoff: { initialDelayMs: 50, multiplier: 1, jitter: 'none' },
    });
    cleanups.add(() => worker.close());
  }
  return queue;
}

async function rejection(promise: Promise<unknown>): Promise<ChatJobError> {
  try {
    await promise;
  } catch (error) {
    if (ChatJobError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!redis.available)('waitForChatJob', () => {
  it('resolves with the result of a job that finishes, and again once it has finished', async () => {
    const queue = await setup({ worker: true });
    const { jobId } = await enqueueChat(queue, { messages: user('Hello') });
    const result = await waitForChatJob(queue, jobId, { timeoutMs: 15_000 });
    expect(result.kind).toBe('chat');
    expect(result.content.length).toBeGreaterThan(0);
    expect(await waitForChatJob(queue, jobId, { timeoutMs: 1_000 })).toEqual(result);
  });

  it('waits through a failed attempt that is retried', async () => {
    const queue = await setup({
      worker: true,
      scenarios: [{ match: { lastUserMessage: 'flaky' }, fault: '500', times: 1 }],
    });
    const { jobId } = await enqueueChat(queue, { messages: user('flaky') });
    const result = await waitForChatJob(queue, jobId, { timeoutMs: 15_000 });
    expect(result.content.length).toBeGreaterThan(0);
    expect((await queue.queue.getJob(jobId))!.attemptsMade).toBe(2);
  });

  it('rejects with job_failed once the job fails for good', async () => {
    const queue = await setup({
      worker: true,
      scenarios: [
        { match: { lastUserMessage: 'refused' }, error: { status: 400, message: 'refused' } },
      ],
    });
    const { jobId } = await enqueueChat(queue, { messages: user('refused') });
    const error = await rejection(waitForChatJob(queue, jobId, { timeoutMs: 15_000 }));
    expect(error).toMatchObject({ code: 'job_failed', jobId });
    expect(error.failedReason).toMatch(/400|invalid/i);
  });

  it('rejects with job_not_found for an unknown id and job_wait_timeout for a job nobody runs', async () => {
    const queue = await setup({ worker: false });
    expect(await rejection(waitForChatJob(queue, 'never-enqueued'))).toMatchObject({
      code: 'job_not_found',
      jobId: 'never-enqueued',
    });
    const { jobId } = await enqueueChat(queue, { messages: user('Hello') });
    const error = await rejection(waitForChatJob(queue, jobId, { timeoutMs: 200 }));
    expect(error).toMatchObject({ code: 'job_wait_timeout', jobId });
    expect(error.message).toContain('had not finished after 200 ms');
  });
});
