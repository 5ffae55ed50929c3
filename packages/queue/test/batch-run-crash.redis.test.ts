import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchKey, KEY_METADATA } from '@mistral-flows/batch';
import { createClient } from '@mistral-flows/core';
import { RedisStore } from '@mistral-flows/core/redis';
import { startEmulator } from '@mistral-flows/emulator';
import { useRedis, waitFor } from '@mistral-flows/testing';
import { QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import {
  batchRunLeaseId,
  batchRunResultKey,
  createBatchRunClient,
  leaseKey,
  type BatchRunResult,
  type LeaseRecord,
} from '../src/index.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

/**
 * Two worker processes (the built package) share a batch run queue; the one running the batch is
 * killed with SIGKILL once the batch's platform job exists, and its machine's files are deleted.
 * The other one must take the job over from BullMQ's stalled check, wait for the lease and resume
 * the batch: one platform job for the key, every result, no job left behind.
 */
const fixture = fileURLToPath(new URL('./fixtures/batch-run-worker-process.mjs', import.meta.url));
const COUNT = 600;
const LEASE_MS = 1_000;

const redis = await useRedis();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

interface WorkerProcess {
  child: ChildProcess;
  id: string;
}

function startWorker(args: string[]): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [fixture, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.add(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise<WorkerProcess>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      const ready = /ready (\S+)\n/.exec(out);
      if (ready) resolve({ child, id: ready[1]! });
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`worker process exited with ${code ?? signal}`)),
    );
  });
}

/** Where the running worker is killed: while it uploads its input, or once its platform job exists. */
type KillPoint = 'uploading' | 'job-running';

/** The parts of a stored batch (`batch:<key>`) read here: the states of its job machines. */
interface StoredBatch {
  snapshot: { children?: Record<string, { snapshot?: { value?: unknown } } | undefined> };
}

const jobStates = (stored: StoredBatch | undefined): string[] =>
  Object.values(stored?.snapshot.children ?? {}).map((child) => String(child?.snapshot?.value));

describe.skipIf(!redis.available)('batch run workers killed mid-run', () => {
  it.each<[string, KillPoint]>([
    ['while its platform job runs', 'job-running'],
    ['while it uploads its input, whose file the next worker does not have', 'uploading'],
  ])(
    'resume the batch on another worker %s: one platform job, every result, no job left',
    async (_label, point) => {
      const name = uniqueName('batch-crash');
      cleanups.add(() => deleteQueueKeys(redis.url, [name]));
      const namespace = `bull:${name}:store:`;
      const store = new RedisStore({ url: redis.url, namespace });
      cleanups.add(() => store.close());
      // Every worker is given the same directory, as machines configured alike would be.
      const root = mkdtempSync(join(tmpdir(), 'mf-batch-run-crash-'));
      cleanups.add(() => rmSync(root, { recursive: true, force: true }));
      const workDir = join(root, 'work');
      // 600 requests at 200 a second: the platform job runs for about 3 s.
      const emulator = await startEmulator({ batchRps: 200 });
      cleanups.add(() => emulator.close());
      const sdk = createClient({ serverURL: emulator.url, apiKey: 'test' });
      const client = createBatchRunClient({ connection: { url: redis.url }, name });
      cleanups.add(() => client.close());
      const queueEvents = new QueueEvents(name, { connection: { url: redis.url } });
      cleanups.add(() => queueEvents.close());
      const stalled: string[] = [];
      queueEvents.on('stalled', ({ jobId }) => stalled.push(jobId));
      await queueEvents.waitUntilReady();

      const args = [redis.url, name, emulator.url, namespace, workDir, String(LEASE_MS)];
      const workers = await Promise.all([startWorker(args), startWorker(args)]);

      const key = `nightly-${point}`;
      const requests = Array.from({ length: COUNT }, (_, i) => ({
        customId: `r${i}`,
        body: { messages: [{ role: 'user', content: `Summarize item ${i}.` }], max_tokens: 8 },
      }));
      await client.start({
        key,
        requests,
        model: 'mistral-small-latest',
        inlineMaxRequests: 0,
        poll: { initialMs: 20, maxMs: 100, multiplier: 1.5 },
      });

      // The interleaving: the batch's first stored state, or its platform job existing (its worker
      // polls it) and not ended; then its worker dies.
      const jobsOfKey = () => emulator.stats().jobsByMetadata[KEY_METADATA]?.[key] ?? 0;
      if (point === 'uploading') {
        // Its job machine uploads (or already looks for or creates its platform job).
        await waitFor(
          async () =>
            jobsOfKey() > 0 ||
            jobStates((await store.get<StoredBatch>(batchKey(key)))?.value).some((state) =>
              ['uploading', 'locating', 'creating'].includes(state),
            ),
          { timeoutMs: 15_000, intervalMs: 1, what: 'the upload' },
        );
      } else {
        await waitFor(() => jobsOfKey() >= 1, {
          timeoutMs: 15_000,
          intervalMs: 2,
          what: 'the platform job',
        });
      }
      const owner = await waitFor(
        async () => (await store.get<LeaseRecord>(leaseKey(batchRunLeaseId(key))))?.value.owner,
        { timeoutMs: 5_000, what: 'the lease owner' },
      );
      const victim = workers.find((w) => w.id === owner)!;
      const survivor = workers.find((w) => w.id !== owner)!;
      expect(victim).toBeDefined();
      victim.child.kill('SIGKILL');
      await new Promise((resolve) => victim.child.once('exit', resolve));
      // Killed mid-run: nothing was stored as the result, the job was still active.
      expect(await store.get(batchRunResultKey(key))).toBeUndefined();
      expect((await client.progress(key)).jobState).toBe('active');
      const before = (await sdk.batch.jobs.list({ metadata: { [KEY_METADATA]: key } })).data ?? [];
      if (point === 'job-running') {
        expect(before).toHaveLength(1);
        expect(['QUEUED', 'RUNNING']).toContain(before[0]!.status);
      }
      // The dead worker's machine is gone with its files: the survivor has none of them.
      rmSync(workDir, { recursive: true, force: true });

      const result: BatchRunResult = await client.result(key, { timeoutMs: 25_000, pollMs: 20 });
      expect(result.status).toBe('succeeded');
      expect(result.counts).toEqual({ total: COUNT, succeeded: COUNT, failed: 0, missing: 0 });
      expect(new Set(result.results?.map((r) => r.customId))).toEqual(
        new Set(requests.map((r) => r.customId)),
      );
      expect(result.resumed).toBe(true);
      expect(result.files.workerId).toBe(survivor.id);
      expect(result.files.outputPaths.every((path) => existsSync(path))).toBe(true);

      // Exactly one platform job for the key, the one the first worker created.
      const listed = await sdk.batch.jobs.list({
        metadata: { [KEY_METADATA]: key },
        pageSize: 100,
      });
      const ofKey = (listed.data ?? []).filter((job) => job.metadata?.[KEY_METADATA] === key);
      expect(ofKey).toHaveLength(1);
      if (before.length > 0) expect(ofKey[0]!.id).toBe(before[0]!.id);
      expect(jobsOfKey()).toBe(1);
      expect(result.jobs.map((job) => job.id)).toEqual([ofKey[0]!.id]);

      // The job completed once, after a stall; nothing is left active, waiting or stalled.
      expect(stalled).toContain(`batch-run.${key}`);
      const counts = await client.queue.getJobCounts(
        'active',
        'waiting',
        'delayed',
        'failed',
        'completed',
        'prioritized',
      );
      expect(counts).toMatchObject({
        active: 0,
        waiting: 0,
        delayed: 0,
        failed: 0,
        completed: 1,
        prioritized: 0,
      });
      const lease = await store.get<LeaseRecord>(leaseKey(batchRunLeaseId(key)));
      expect(lease?.value).toMatchObject({ owner: null, done: 1 });
    },
  );
});
