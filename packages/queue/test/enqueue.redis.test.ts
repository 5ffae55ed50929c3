import type { MistralFlowsEvents } from '@mistral-flows/core';
import { EventBus } from '@mistral-flows/stream';
import { useRedis } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CallbackUrlError,
  createChatQueue,
  enqueueChat,
  generateWebhookSecret,
  InvalidJobError,
  WebhookSecretError,
  type ChatJobInput,
  type ChatQueueOptions,
} from '../src/index.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const messages: ChatJobInput['messages'] = [{ role: 'user', content: 'Hi' }];

function queueFor(options: Partial<ChatQueueOptions> = {}) {
  const name = uniqueName('enqueue');
  cleanups.add(() => deleteQueueKeys(redis.url, [name]));
  const queue = createChatQueue({ connection, name, ...options });
  cleanups.add(() => queue.close());
  return queue;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!redis.available)('enqueueChat', () => {
  it('queues a chat job and returns its id with status queued', async () => {
    const bus = new EventBus<MistralFlowsEvents>();
    const enqueued: string[] = [];
    bus.on('queue:enqueued', ({ jobId }) => enqueued.push(jobId));
    const queue = queueFor({ events: bus });
    const result = await enqueueChat(queue, { messages, model: 'mistral-large-latest' });
    expect(result).toEqual({ jobId: expect.any(String), status: 'queued' });
    const job = (await queue.queue.getJob(result.jobId))!;
    expect(job.name).toBe('chat');
    expect(job.data).toEqual({ messages, model: 'mistral-large-latest' });
    expect(enqueued).toEqual([result.jobId]);
  });

  it('is idempotent for a given job id', async () => {
    const queue = queueFor();
    const first = await enqueueChat(queue, { messages }, { jobId: 'request-1' });
    const second = await enqueueChat(
      queue,
      { messages: [{ role: 'user', content: 'different' }] },
      { jobId: 'request-1' },
    );
    expect(first).toEqual({ jobId: 'request-1', status: 'queued' });
    expect(second).toEqual(first);
    expect(await queue.queue.count()).toBe(1);
    expect((await queue.queue.getJob('request-1'))!.data.messages).toEqual(messages);
  });

  it('passes the priority to BullMQ', async () => {
    const queue = queueFor();
    const { jobId } = await enqueueChat(queue, { messages }, { priority: 3 });
    expect((await queue.queue.getJob(jobId))!.opts.priority).toBe(3);
  });

  describe('bad input', () => {
    const secret = generateWebhookSecret();

    it('refuses a job without messages with InvalidJobError', async () => {
      const queue = queueFor();
      const error = await rejection(enqueueChat(queue, { messages: [] }));
      expect(InvalidJobError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'job_invalid', field: 'messages' });
      expect(await queue.queue.count()).toBe(0);
    });

    it('refuses a file:// callback URL with CallbackUrlError callback_url_invalid', async () => {
      const queue = queueFor({ webhook: { secret } });
      const error = await rejection(
        enqueueChat(queue, { messages, callbackUrl: 'file:///etc/passwd' }),
      );
      expect(CallbackUrlError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'callback_url_invalid' });
      expect(await queue.queue.count()).toBe(0);
    });

    it('refuses private, loopback and link-local callbacks unless allowed', async () => {
      const queue = queueFor({ webhook: { secret } });
      for (const callbackUrl of [
        'http://10.0.0.5/hook',
        'http://127.0.0.1:8080/hook',
        'http://169.254.169.254/latest',
        'http://[::1]/hook',
        'http://localhost/hook',
      ]) {
        const error = await rejection(enqueueChat(queue, { messages, callbackUrl }));
        expect(CallbackUrlError.isInstance(error), callbackUrl).toBe(true);
        expect(error).toMatchObject({ code: 'callback_url_forbidden' });
      }
      expect(await queue.queue.count()).toBe(0);
      const allowed = queueFor({ webhook: { secret, allowHosts: ['127.0.0.1'] } });
      await expect(
        enqueueChat(allowed, { messages, callbackUrl: 'http://127.0.0.1:8080/hook' }),
      ).resolves.toMatchObject({ status: 'queued' });
    });

    it('refuses a callback when no webhook secret is configured, with WebhookSecretError', async () => {
      const queue = queueFor();
      const error = await rejection(
        enqueueChat(queue, { messages, callbackUrl: 'https://hooks.example.com/x' }),
      );
      expect(WebhookSecretError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'webhook_secret_missing' });
      expect(await queue.queue.count()).toBe(0);
    });

    it('refuses a malformed webhook secret when the queue is created', () => {
      expect(() => createChatQueue({ connection, webhook: { secret: 'whsec_short' } })).toThrow(
        WebhookSecretError,
      );
    });

    it('refuses job ids BullMQ would refuse', async () => {
      const queue = queueFor();
      const error = await rejection(enqueueChat(queue, { messages }, { jobId: '123' }));
      expect(error).toMatchObject({ code: 'job_invalid', field: 'jobId' });
    });
  });
});
