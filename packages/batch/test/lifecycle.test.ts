import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, type BatchEvents } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { Mistral } from '@mistralai/mistralai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_METADATA, runBatch, type BatchRequest } from '../src/index.js';

const model = 'mistral-small-latest';
const poll = { initialMs: 10, maxMs: 50, multiplier: 1.5 };
let emulator: Emulator;
let client: Mistral;
let workDir: string;

beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'mf-batch-life-'));
});
afterEach(async () => {
  await emulator?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator(options);
  client = new Mistral({ serverURL: emulator.url });
}

const requests = (n: number, text = (i: number) => `Summarize item ${i}.`): BatchRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    customId: `r${i}`,
    body: { messages: [{ role: 'user', content: text(i) }], max_tokens: 20 },
  }));

const run = (extra: Partial<Parameters<typeof runBatch>[0]> & { requests: BatchRequest[] }) =>
  runBatch({
    client,
    model,
    store: new MemoryStore(),
    workDir,
    poll,
    inlineMaxRequests: 0,
    ...extra,
  });

describe('the batch lifecycle against the emulator', () => {
  it('reports lines the API rejected from the error file, joined to their custom_ids', async () => {
    await setup({
      scenarios: [
        {
          match: { endpoint: 'batch', lastUserMessage: 'poison' },
          error: { status: 400, message: 'this line cannot run' },
        },
      ],
    });
    const outcome = await run({
      requests: requests(21, (i) => (i === 7 ? 'poison pill' : `Item ${i}.`)),
    }).done;
    expect(outcome.status).toBe('succeeded');
    expect(outcome.counts).toEqual({ total: 21, succeeded: 20, failed: 1, missing: 0 });
    expect(outcome.failures).toEqual([
      expect.objectContaining({ customId: 'r7', ok: false, statusCode: 400 }),
    ]);
    expect(outcome.failures[0]!.error?.message).toContain('Line 8');
    expect(JSON.stringify(outcome.failures[0]!.body)).toContain('this line cannot run');
  });

  it.each([
    ['fail', 'failed', 'FAILED'],
    ['timeout', 'timedOut', 'TIMEOUT_EXCEEDED'],
  ] as const)(
    'ends %s faults in %s and keeps the partial results',
    async (fault, status, jobStatus) => {
      await setup({ batchRps: 400, batchClockScale: 3600 });
      const outcome = await run({
        requests: requests(200),
        metadata: { emulator_fault: fault },
        timeoutHours: 1,
      }).done;
      expect(outcome.status).toBe(status);
      expect(outcome.jobs[0]!.status).toBe(jobStatus);
      expect(outcome.counts.succeeded + outcome.counts.failed).toBeGreaterThan(0);
      expect(outcome.counts.succeeded + outcome.counts.failed + outcome.counts.missing).toBe(200);
      expect(outcome.results!.size).toBe(outcome.counts.succeeded + outcome.counts.failed);
      expect(outcome.errors.length).toBeGreaterThan(0);
    },
  );

  it('cancels: the job goes through cancellation and the batch ends cancelled with what ran', async () => {
    await setup({ batchRps: 100 });
    const batch = run({ requests: requests(2_000) });
    await waitFor(() => emulator.stats().jobsByStatus.RUNNING === 1, { what: 'the job to run' });
    batch.cancel();
    const outcome = await batch.done;
    expect(outcome.status).toBe('cancelled');
    expect(outcome.jobs[0]!.status).toBe('CANCELLED');
    expect(outcome.counts.missing).toBeGreaterThan(0);
    expect(
      emulator.stats().requests['POST /v1/batch/jobs/{id}/cancel'] ??
        Object.entries(emulator.stats().requests).find(([k]) => k.endsWith('/cancel'))?.[1],
    ).toBe(1);
  });

  it('runs 25,000 requests as 3 jobs with maxRequestsPerJob 10,000 and merges them', async () => {
    await setup();
    const batch = run({ requests: requests(25_000), maxRequestsPerJob: 10_000, key: 'big' });
    const outcome = await batch.done;
    expect(outcome.status).toBe('succeeded');
    expect(outcome.jobs.map((j) => j.counters.total)).toEqual([10_000, 10_000, 5_000]);
    expect(outcome.counts).toEqual({ total: 25_000, succeeded: 25_000, failed: 0, missing: 0 });
    expect(outcome.results!.size).toBe(25_000);
    expect(emulator.stats().jobsCreated).toBe(3);
    expect(Object.keys(emulator.stats().jobsByMetadata[KEY_METADATA] ?? {}).sort()).toEqual([
      'big~1of3',
      'big~2of3',
      'big~3of3',
    ]);
  });

  it('resubmits only the failed lines with retryFailed and merges one result per custom_id', async () => {
    await setup({
      scenarios: [
        {
          match: { endpoint: 'batch', lastUserMessage: 'flaky' },
          error: { status: 500, message: 'try again' },
          times: 3,
        },
      ],
    });
    const outcome = await run({
      requests: requests(30, (i) => (i % 10 === 0 ? `flaky ${i}` : `Item ${i}.`)),
      retryFailed: 2,
    }).done;
    expect(outcome.status).toBe('succeeded');
    expect(outcome.jobs.map((j) => [j.attempt, j.counters.total, j.counters.failed])).toEqual([
      [1, 30, 3],
      [2, 3, 0],
    ]);
    expect(outcome.counts).toEqual({ total: 30, succeeded: 30, failed: 0, missing: 0 });
    expect([...outcome.results!.values()].every((r) => r.ok)).toBe(true);
  });

  it('emits batch:stuck once for a job that stays QUEUED too long', async () => {
    await setup({ batchConcurrency: 1, batchRps: 20 });
    const blocker = run({ requests: requests(1_000), key: 'blocker' });
    await waitFor(() => emulator.stats().jobsByStatus.RUNNING === 1, {
      what: 'the first job to run',
    });
    const stuck: Array<BatchEvents['batch:stuck']> = [];
    const bus = {
      emit: <K extends keyof BatchEvents>(type: K, payload: BatchEvents[K]) =>
        void (type === 'batch:stuck' && stuck.push(payload as BatchEvents['batch:stuck'])),
    };
    const waiting = run({ requests: requests(5), key: 'waiting', stuckAfterMs: 100, bus });
    await waitFor(() => stuck.length > 0, { what: 'batch:stuck' });
    expect(stuck[0]).toMatchObject({ key: 'waiting', status: 'QUEUED' });
    blocker.cancel();
    waiting.cancel();
    await Promise.all([blocker.done, waiting.done]);
    expect(stuck).toHaveLength(1);
  });

  it('cancels on an aborted signal', async () => {
    await setup({ batchRps: 50 });
    const controller = new AbortController();
    const batch = run({ requests: requests(500), signal: controller.signal });
    await waitFor(() => emulator.stats().jobsByStatus.RUNNING === 1, { what: 'the job to run' });
    controller.abort();
    expect((await batch.done).status).toBe('cancelled');
  });
});
