import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryStore,
  type ListOptions,
  type SetOptions,
  type Store,
  type StoreEntry,
} from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { Mistral } from '@mistralai/mistralai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTEMPT_METADATA,
  BatchError,
  KEY_METADATA,
  resumeBatch,
  runBatch,
  type BatchRequest,
} from '../src/index.js';

/**
 * A store whose writes fail while `refuse(key, value)` says so, and that otherwise is the
 * `MemoryStore` it wraps: the failure of a real store (a full disk, a lost connection) at a
 * chosen write, to test what the batch does about it.
 */
class RefusingStore implements Store {
  refused = 0;
  lastError: Error | undefined;
  constructor(
    readonly inner: MemoryStore,
    private readonly refuse: (key: string, value: unknown) => boolean,
  ) {}
  get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    return this.inner.get<T>(key);
  }
  set<T = unknown>(key: string, value: T, options?: SetOptions): Promise<StoreEntry<T>> {
    if (this.refuse(key, value)) {
      this.refused++;
      this.lastError = new Error(`disk I/O error writing ${key}`);
      return Promise.reject(this.lastError);
    }
    return this.inner.set(key, value, options);
  }
  delete(key: string, options?: SetOptions): Promise<boolean> {
    return this.inner.delete(key, options);
  }
  list<T = unknown>(prefix: string, options?: ListOptions): Promise<Array<StoreEntry<T>>> {
    return this.inner.list<T>(prefix, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const model = 'mistral-small-latest';
const poll = { initialMs: 10, maxMs: 50, multiplier: 1.5 };
let emulator: Emulator;
let client: Mistral;
let workDir: string;

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'mf-batch-durable-'));
});
afterEach(async () => {
  await emulator?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator(options);
  client = new Mistral({ serverURL: emulator.url });
}

const requests = (n: number): BatchRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    body: { messages: [{ role: 'user', content: `Summarize item ${i}.` }], max_tokens: 20 },
  }));

const jobsOf = (key: string) => emulator.stats().jobsByMetadata[KEY_METADATA]?.[key] ?? 0;
/** The state of the (only) job machine in a stored batch. */
async function storedJobState(store: Store, key: string): Promise<unknown> {
  const entry = await store.get<{
    snapshot: { children: Record<string, { snapshot: { value: unknown } }> };
  }>(`batch:${key}`);
  return Object.values(entry!.value.snapshot.children)[0]?.snapshot.value;
}

describe('a store that refuses writes', () => {
  it('fails the run with store_write_failed, keeps what was stored, and resumes without a second job', async () => {
    await setup({ batchRps: 400 });
    const memory = new MemoryStore();
    // Every snapshot write from the moment the job exists fails (the job id record is written).
    const store = new RefusingStore(memory, (key) => key === 'batch:k' && jobsOf('k') > 0);
    const options = { client, model, workDir, poll, inlineMaxRequests: 0 };
    const outcome = await runBatch({ ...options, store, key: 'k', requests: requests(40) }).done;

    expect(outcome.status).toBe('failed');
    expect(BatchError.isInstance(outcome.error)).toBe(true);
    expect(outcome.error).toMatchObject({ code: 'store_write_failed' });
    expect(outcome.error!.cause).toBe(store.lastError);
    expect(outcome.error!.message).toContain('disk I/O error');
    expect(store.refused).toBe(3); // tried three times, then nothing more was written
    expect(outcome.errors.map((e) => e.message).join()).toContain('store_write_failed');
    // What was stored before the failure stays: the job machine before polling.
    expect(await storedJobState(memory, 'k')).toBe('creating');
    expect(jobsOf('k')).toBe(1);

    const resumed = await (await resumeBatch('k', { ...options, store: memory })).done;
    expect(resumed.status).toBe('succeeded');
    expect(resumed.error).toBeUndefined();
    expect(resumed.counts).toEqual({ total: 40, succeeded: 40, failed: 0, missing: 0 });
    expect(jobsOf('k')).toBe(1);
    expect(emulator.stats().jobsCreated).toBe(1);
  });

  it('records the job id the moment it is created, and fails the step when that record cannot be written', async () => {
    await setup();
    const memory = new MemoryStore();
    const store = new RefusingStore(memory, (key) => key.startsWith('batch-job:'));
    const options = { client, model, workDir, poll, inlineMaxRequests: 0 };
    const outcome = await runBatch({ ...options, store, key: 'rec', requests: requests(5) }).done;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({ code: 'store_write_failed' });
    expect(outcome.error!.cause).toBe(store.lastError);
    // It stopped right after the create: the job was never polled.
    expect(emulator.stats().requests['GET /v1/batch/jobs/{job_id}'] ?? 0).toBe(0);
    expect(jobsOf('rec')).toBe(1);

    const resumed = await (await resumeBatch('rec', { ...options, store: memory })).done;
    expect(resumed.status).toBe('succeeded');
    expect(jobsOf('rec')).toBe(1);
    const record = await memory.get<{ key: string; jobId: string }>('batch-job:1:rec');
    expect(record?.value).toMatchObject({ key: 'rec', jobId: resumed.jobs[0]!.id });
  });
});

describe('finding the job of a batch on resume', () => {
  it('pages through every job since the batch began and matches metadata itself, when the API ignores the filter', async () => {
    await setup({ ignoreListMetadataFilter: true });
    const memory = new MemoryStore();
    const key = 'needle';
    // Every write fails from the moment the job of the batch exists: its id is never recorded.
    const store = new RefusingStore(memory, () => jobsOf(key) > 0);
    const others = 130;
    let release!: () => void;
    const othersCreated = new Promise<void>((resolve) => (release = resolve));
    async function* held(): AsyncGenerator<BatchRequest> {
      await othersCreated; // the other batches' jobs are created after this one began
      yield* requests(3);
    }
    const options = { client, model, workDir, poll, inlineMaxRequests: 0 };
    const run = runBatch({ ...options, store, key, requests: held() });
    for (let i = 0; i < others; i++) {
      await client.batch.jobs.create({
        endpoint: '/v1/chat/completions',
        model,
        requests: [{ customId: 'x', body: { messages: [{ role: 'user', content: 'Hi' }] } }],
        metadata: { [KEY_METADATA]: `other-${i}`, [ATTEMPT_METADATA]: '1' },
      });
    }
    release();
    const first = await run.done;
    expect(first.status).toBe('failed');
    expect(first.error).toMatchObject({ code: 'store_write_failed' });
    expect(jobsOf(key)).toBe(1);
    expect(await memory.get(`batch-job:1:${key}`)).toBeUndefined();

    const listsBefore = emulator.stats().requests['GET /v1/batch/jobs'] ?? 0;
    const resumed = await (await resumeBatch(key, { ...options, store: memory })).done;
    expect(resumed.status).toBe('succeeded');
    expect(resumed.counts).toEqual({ total: 3, succeeded: 3, failed: 0, missing: 0 });
    // Its own job, found on the second page of the list: no second job.
    expect(jobsOf(key)).toBe(1);
    expect(emulator.stats().jobsCreated).toBe(others + 1);
    expect((emulator.stats().requests['GET /v1/batch/jobs'] ?? 0) - listsBefore).toBe(2);
    expect((await memory.get(`batch-job:1:${key}`))?.value).toMatchObject({
      jobId: resumed.jobs[0]!.id,
    });
  });
});
