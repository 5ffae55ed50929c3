import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY_METADATA } from '@mistral-flows/batch';
import { createClient, InvalidArgumentError } from '@mistral-flows/core';
import { RedisStore } from '@mistral-flows/core/redis';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { useRedis, waitFor } from '@mistral-flows/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchRunError,
  batchRunResultKey,
  createBatchRunClient,
  createBatchRunWorker,
  type BatchRunResult,
} from '../src/index.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

const redis = await useRedis();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-batch-runs-'));
  emulator = await startEmulator({ batchRps: 2_000 });
});
afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const requests = (count: number, text = 'Summarize item') =>
  Array.from({ length: count }, (_, i) => ({
    customId: `r${i}`,
    body: { messages: [{ role: 'user', content: `${text} ${i}.` }], max_tokens: 8 },
  }));

const poll = { initialMs: 10, maxMs: 40, multiplier: 1.5 };

/** A client and a worker on a new queue (and store namespace), closed and deleted afterwards. */
function open(options: { resultsInMemoryLimit?: number; maxInputBytes?: number } = {}) {
  const name = uniqueName('batch-runs');
  cleanups.add(() => deleteQueueKeys(redis.url, [name]));
  const connection = { url: redis.url };
  const store = new RedisStore({ url: redis.url, namespace: `bull:${name}:store:` });
  cleanups.add(() => store.close());
  const sdk = createClient({ serverURL: emulator.url, apiKey: 'test' });
  const worker = createBatchRunWorker({
    connection,
    client: sdk,
    store,
    name,
    workDir: join(dir, name),
    leaseMs: 1_000,
    ...(options.resultsInMemoryLimit !== undefined
      ? { resultsInMemoryLimit: options.resultsInMemoryLimit }
      : {}),
  });
  cleanups.add(() => worker.close());
  const client = createBatchRunClient({
    connection,
    name,
    store,
    ...(options.maxInputBytes !== undefined ? { maxInputBytes: options.maxInputBytes } : {}),
  });
  cleanups.add(() => client.close());
  return { name, store, worker, client, sdk };
}

/** The platform jobs of batch `key`, as the emulator lists them through the SDK. */
async function platformJobs(sdk: ReturnType<typeof createClient>, key: string) {
  const listed = await sdk.batch.jobs.list({ metadata: { [KEY_METADATA]: key }, pageSize: 100 });
  return (listed.data ?? []).filter((job) => job.metadata?.[KEY_METADATA] === key);
}

describe.skipIf(!redis.available)('createBatchRunClient / createBatchRunWorker', () => {
  it('runs a batch as a job and returns its counts, platform job and results', async () => {
    const { client, worker, store, sdk } = open();
    await worker.ready();
    const receipt = await client.start({
      key: 'happy',
      requests: requests(40),
      model: 'mistral-small-latest',
      poll,
    });
    expect(receipt).toEqual({ key: 'happy', jobId: 'batch-run.happy', created: true });
    // The same key again is the same job.
    expect((await client.start({ key: 'happy', requests: requests(40) })).created).toBe(false);

    const result = await client.result('happy', { timeoutMs: 20_000, pollMs: 20 });
    expect(result.status).toBe('succeeded');
    expect(result.counts).toEqual({ total: 40, succeeded: 40, failed: 0, missing: 0 });
    expect(result.resumed).toBe(false);
    expect(result.results?.map((r) => r.customId).sort()).toEqual(
      requests(40)
        .map((r) => r.customId)
        .sort(),
    );
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]!.outputFile).toBeTruthy();
    expect(result.files.workerId).toBe(worker.id);
    expect(result.files.outputPaths).toHaveLength(1);
    expect(await platformJobs(sdk, 'happy')).toHaveLength(1);

    // The result is stored too, and read there once the job is gone from the queue.
    expect((await store.get<BatchRunResult>(batchRunResultKey('happy')))?.value.counts).toEqual(
      result.counts,
    );
    const progress = await client.progress('happy');
    expect(progress.jobState).toBe('completed');
    expect(progress.progress?.status).toBe('SUCCESS');
    await (await client.queue.getJob('batch-run.happy'))!.remove();
    expect((await client.result('happy')).counts).toEqual(result.counts);
  });

  it('leaves the results out of the job above resultsInMemoryLimit', async () => {
    const { client, worker } = open({ resultsInMemoryLimit: 10 });
    await worker.ready();
    await client.start({
      key: 'large',
      requests: requests(30),
      model: 'mistral-small-latest',
      poll,
    });
    const result = await client.result('large', { timeoutMs: 20_000, pollMs: 20 });
    expect(result.status).toBe('succeeded');
    expect(result.counts.succeeded).toBe(30);
    expect(result.results).toBeUndefined();
    expect(result.jobs[0]!.outputFile).toBeTruthy();
  });

  it('cancels a running batch: its platform job is cancelled and the result says so', async () => {
    const { client, worker, sdk } = open();
    await worker.ready();
    await client.start({
      key: 'cancel-me',
      // At 2,000 requests/s the emulator takes about 5 s for these.
      requests: requests(10_000),
      model: 'mistral-small-latest',
      poll,
    });
    await waitFor(async () => (await client.progress('cancel-me')).progress?.status === 'RUNNING', {
      timeoutMs: 20_000,
      what: 'the batch to run',
    });
    expect(await client.cancel('cancel-me')).toBe(true);
    const result = await client.result('cancel-me', { timeoutMs: 20_000, pollMs: 20 });
    expect(result.status).toBe('cancelled');
    const jobs = await platformJobs(sdk, 'cancel-me');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe('CANCELLED');
    expect(await client.cancel('cancel-me')).toBe(false);
  });

  it('cancels a batch before any worker started it: nothing reaches the platform', async () => {
    const { client, worker, sdk } = open();
    await worker.worker.pause();
    await client.start({ key: 'early', requests: requests(5), model: 'mistral-small-latest' });
    expect(await client.cancel('early')).toBe(true);
    worker.worker.resume();
    const result = await client.result('early', { timeoutMs: 20_000, pollMs: 20 });
    expect(result).toMatchObject({
      status: 'cancelled',
      counts: { total: 5, succeeded: 0, failed: 0, missing: 5 },
      jobs: [],
    });
    expect(await platformJobs(sdk, 'early')).toHaveLength(0);
  });

  it('gives a running batch back on close(): the next worker resumes it without a second platform job', async () => {
    const { client, worker, sdk, name, store } = open();
    await worker.ready();
    await client.start({
      key: 'handed-over',
      // At 2,000 requests/s the emulator takes about 2 s for these.
      requests: requests(4_000),
      model: 'mistral-small-latest',
      poll,
    });
    await waitFor(
      async () => (await client.progress('handed-over')).progress?.status === 'RUNNING',
      { timeoutMs: 20_000, what: 'the batch to run' },
    );
    await worker.close();
    expect((await client.progress('handed-over')).jobState).toBe('delayed');
    const next = createBatchRunWorker({
      connection: { url: redis.url },
      client: sdk,
      store,
      name,
      workDir: join(dir, name),
      leaseMs: 1_000,
    });
    cleanups.add(() => next.close());
    const result = await client.result('handed-over', { timeoutMs: 20_000, pollMs: 20 });
    expect(result).toMatchObject({ status: 'succeeded', resumed: true });
    expect(result.counts.succeeded).toBe(4_000);
    expect(result.files.workerId).toBe(next.id);
    expect(await platformJobs(sdk, 'handed-over')).toHaveLength(1);
  });

  it('refuses bad options, too large an input and unknown keys with typed errors', async () => {
    const { client, store } = open({ maxInputBytes: 2_000 });
    const refused = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        return error;
      }
      throw new Error('expected a rejection');
    };

    const tooLarge = await refused(client.start({ key: 'big', requests: requests(100) }));
    expect(BatchRunError.isInstance(tooLarge)).toBe(true);
    expect(tooLarge).toMatchObject({ code: 'input_too_large', key: 'big' });
    expect(await client.queue.getJob('batch-run.big')).toBeUndefined();

    for (const [options, argument] of [
      [{ key: 'a:b', requests: requests(1) }, 'key'],
      [{ key: '', requests: requests(1) }, 'key'],
      [{ key: 'k', requests: 5 }, 'requests'],
      [{ key: 'k', requests: [] }, 'requests'],
      [{ key: 'k', requests: requests(1), endpoint: '/v1/nope' }, 'endpoint'],
      [{ key: 'k', requests: requests(1), model: 'm', agentId: 'a' }, 'agentId'],
      [{ key: 'k', requests: requests(1), retryFailed: -1 }, 'retryFailed'],
    ] as const) {
      const error = await refused(client.start(options as never));
      expect(InvalidArgumentError.isInstance(error), JSON.stringify(options)).toBe(true);
      expect(error).toMatchObject({ argument });
    }
    expect(() =>
      createBatchRunClient({ connection: { url: redis.url }, maxInputBytes: 0 }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      createBatchRunWorker({
        connection: { url: redis.url },
        client: createClient({ serverURL: emulator.url, apiKey: 'test' }),
        store: undefined as never,
      }),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      createBatchRunWorker({
        connection: { url: redis.url },
        client: createClient({ serverURL: emulator.url, apiKey: 'test' }),
        store,
        leaseMs: 10,
      }),
    ).toThrow(/leaseMs/);

    for (const call of [
      () => client.result('missing'),
      () => client.cancel('missing'),
      () => client.progress('missing'),
    ]) {
      const error = await refused(call());
      expect(BatchRunError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'batch_run_not_found', key: 'missing' });
    }
  });
});
