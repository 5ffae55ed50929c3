import { randomUUID } from 'node:crypto';
import { createClient } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { useRedis, waitFor } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  generateWebhookSecret,
  watchBatchJobs,
  type BatchJobWebhookData,
  type BatchWatcher,
} from '../src/index.js';
import { Cleanups, deleteQueueKeys, startReceiver, uniqueName } from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe.skipIf(!redis.available)('watchBatchJobs', () => {
  it('sends batch.job.queued, .running and .success once each, across watcher restarts', async () => {
    const name = uniqueName('batch');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    // One job runs at a time, five lines a second: a second job waits QUEUED behind the first.
    const emulator = await startEmulator({ batchConcurrency: 1, batchRps: 5 });
    cleanups.add(() => emulator.close());
    const admin = createClient({ serverURL: emulator.url, apiKey: 'test' });
    const secret = generateWebhookSecret();
    const receiver = await startReceiver(secret);
    cleanups.add(() => receiver.close());
    const watch = randomUUID();

    /** A watcher as a fresh process would create it: its own client and connections. */
    const start = async (): Promise<BatchWatcher> => {
      const watcher = await watchBatchJobs({
        connection,
        client: createClient({ serverURL: emulator.url, apiKey: 'test' }),
        name,
        selector: { metadata: { watch } },
        intervalMs: 100,
        webhook: { url: receiver.url, secret, allowHosts: ['127.0.0.1'], retrySchedule: [10] },
      });
      cleanups.add(() => watcher.stop());
      return watcher;
    };
    const deliveredTypes = () =>
      receiver.received.filter((r) => r.status === 200).map((r) => r.payload!.type);

    const blocker = await admin.batch.jobs.create({
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      requests: [{ customId: 'b', body: { messages: [{ role: 'user', content: 'hold' }] } }],
      metadata: { emulator_fault: 'stall' },
    });
    await waitFor(
      async () => (await admin.batch.jobs.get({ jobId: blocker.id })).status === 'RUNNING',
      {
        what: 'the blocking job to run',
      },
    );
    const job = await admin.batch.jobs.create({
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      requests: Array.from({ length: 5 }, (_, i) => ({
        customId: String(i),
        body: { messages: [{ role: 'user', content: `Question ${i}` }] },
      })),
      metadata: { watch },
    });

    let watcher = await start();
    await waitFor(() => deliveredTypes().includes('batch.job.queued'), {
      what: 'the queued webhook',
    });
    await watcher.close();

    watcher = await start();
    await admin.batch.jobs.cancel({ jobId: blocker.id });
    await waitFor(() => deliveredTypes().includes('batch.job.running'), {
      what: 'the running webhook',
    });
    await watcher.close();

    watcher = await start();
    await waitFor(() => deliveredTypes().includes('batch.job.success'), {
      what: 'the success webhook',
      timeoutMs: 15_000,
    });
    // More polls after the end change nothing.
    let polls = 0;
    watcher.worker.on('completed', () => polls++);
    await waitFor(() => polls >= 3, { what: 'three more polls' });
    const manual = await watcher.poll();
    expect(manual).toEqual({ jobs: 1, transitions: [] });

    expect(deliveredTypes()).toEqual([
      'batch.job.queued',
      'batch.job.running',
      'batch.job.success',
    ]);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(3);
    const data = receiver.received.map((r) => r.payload!.data as unknown as BatchJobWebhookData);
    expect(data.map((d) => [d.previousStatus, d.status])).toEqual([
      [null, 'QUEUED'],
      ['QUEUED', 'RUNNING'],
      ['RUNNING', 'SUCCESS'],
    ]);
    expect(data.every((d) => d.id === job.id && d.totalRequests === 5)).toBe(true);
    expect(data[2]).toMatchObject({
      completedRequests: 5,
      succeededRequests: 5,
      failedRequests: 0,
    });
    expect(data[2]!.outputFile).toEqual(expect.any(String));
  });

  it('sends nothing twice when two watchers poll the same jobs at once', async () => {
    const name = uniqueName('batch2');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    const emulator = await startEmulator();
    cleanups.add(() => emulator.close());
    const admin = createClient({ serverURL: emulator.url, apiKey: 'test' });
    const secret = generateWebhookSecret();
    const receiver = await startReceiver(secret);
    cleanups.add(() => receiver.close());
    const watch = randomUUID();
    const jobs = await Promise.all(
      [1, 2, 3].map(() =>
        admin.batch.jobs.create({
          endpoint: '/v1/chat/completions',
          model: 'mistral-small-latest',
          requests: [{ customId: 'x', body: { messages: [{ role: 'user', content: 'Hi' }] } }],
          metadata: { watch },
        }),
      ),
    );
    await waitFor(
      async () => {
        const all = await Promise.all(jobs.map((j) => admin.batch.jobs.get({ jobId: j.id })));
        return all.every((j) => j.status === 'SUCCESS');
      },
      { what: 'the jobs to finish' },
    );
    const watchers = await Promise.all(
      [1, 2].map(async () => {
        const watcher = await watchBatchJobs({
          connection,
          client: createClient({ serverURL: emulator.url, apiKey: 'test' }),
          name,
          selector: { metadata: { watch } },
          intervalMs: 60_000,
          webhook: { url: receiver.url, secret, allowHosts: ['127.0.0.1'] },
        });
        cleanups.add(() => watcher.stop());
        return watcher;
      }),
    );
    // The watchers' own scheduled polls may run alongside these: together they find each
    // transition once, whoever finds it.
    const results = await Promise.all(watchers.flatMap((w) => [w.poll(), w.poll()]));
    expect(results.flatMap((r) => r.transitions).length).toBeLessThanOrEqual(3);
    await waitFor(() => receiver.delivered().size === 3, { what: 'three webhooks' });
    const again = await Promise.all(watchers.flatMap((w) => [w.poll(), w.poll()]));
    expect(again.flatMap((r) => r.transitions)).toEqual([]);
    expect(receiver.received).toHaveLength(3);
    const ids = receiver.received.map(
      (r) => (r.payload!.data as unknown as BatchJobWebhookData).id,
    );
    expect(ids.sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(receiver.received.map((r) => r.payload!.type)).toEqual(
      Array(3).fill('batch.job.success'),
    );
  });
});
