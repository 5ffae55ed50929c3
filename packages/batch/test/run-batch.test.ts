import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, type BatchEvents } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { Mistral } from '@mistralai/mistralai';
import { toArray, lastValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBatch, runLocally, type BatchRequest } from '../src/index.js';

const model = 'mistral-small-latest';
const fastPoll = { initialMs: 20, maxMs: 100, multiplier: 1.5 };
let emulator: Emulator;
let client: Mistral;
let workDir: string;

beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'mf-batch-'));
});
afterEach(async () => {
  await emulator?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator(options);
  client = new Mistral({ serverURL: emulator.url });
}

const requests = (n: number, prefix = 'req'): BatchRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    customId: `${prefix}-${i}`,
    body: {
      messages: [{ role: 'user', content: `Summarize item ${i} in one sentence.` }],
      max_tokens: 40,
    },
  }));

describe('runBatch', () => {
  it('runs 200 requests to SUCCESS and joins every result to its custom_id', async () => {
    await setup({ batchRps: 2000 });
    const events: string[] = [];
    const bus = {
      emit: <K extends keyof BatchEvents>(type: K) => void events.push(type),
    };
    const run = runBatch({
      client,
      requests: requests(200),
      model,
      store: new MemoryStore(),
      workDir,
      poll: fastPoll,
      key: 'batch-200',
      bus,
    });
    const progress = lastValueFrom(run.progress$.pipe(toArray()));
    const outcome = await run.done;
    expect(outcome.status).toBe('succeeded');
    expect(outcome.counts).toEqual({ total: 200, succeeded: 200, failed: 0, missing: 0 });
    expect(outcome.results?.size).toBe(200);
    for (let i = 0; i < 200; i++) {
      const r = outcome.results!.get(`req-${i}`)!;
      expect(r).toMatchObject({ ok: true, statusCode: 200 });
      expect((r.body as { choices: unknown[] }).choices).toHaveLength(1);
    }
    expect(outcome.jobs).toHaveLength(1);
    expect(emulator.stats().jobsCreated).toBe(1);
    const seen = await progress;
    expect(seen.at(-1)).toMatchObject({ total: 200, completed: 200, succeeded: 200 });
    expect(new Set(seen.map((p) => p.state))).toEqual(expect.objectContaining({}));
    expect(events).toContain('batch:status');
    expect(events.at(-1)).toBe('batch:done');
  });

  it('sends a small batch inline and gives the same result shape as runLocally', async () => {
    await setup();
    const input = requests(5, 'small');
    const remote = await runBatch({
      client,
      requests: input,
      model,
      store: new MemoryStore(),
      workDir,
      poll: fastPoll,
    }).done;
    const local = await runLocally(input, { client, model, concurrency: 2 });
    expect(emulator.stats().requests['POST /v1/files'] ?? 0).toBe(0);
    expect(remote.results?.size).toBe(5);
    expect(local.results?.size).toBe(5);
    const shape = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(shape)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .map(([k, v]) => [k, shape(v)])
                .sort(),
            )
          : typeof value;
    for (const id of remote.results!.keys()) {
      const a = remote.results!.get(id)!;
      const b = local.results!.get(id)!;
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      expect(shape({ ...b, line: 0 })).toEqual(shape({ ...a, line: 0 }));
    }
  });

  it("gives up on a server that never answers after the client's timeoutMs, though requests carry a signal", async () => {
    // A server that accepts every request and never answers it.
    let received = 0;
    const silent = createServer(() => void received++);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const outcome = await runBatch({
        client: new Mistral({ serverURL: `http://127.0.0.1:${port}`, timeoutMs: 200 }),
        requests: requests(3),
        model,
        store: new MemoryStore(),
        workDir,
        inlineMaxRequests: 0,
        retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
      }).done;
      expect(outcome.status).toBe('failed');
      expect(outcome.errors.map((e) => e.message).join()).toMatch(/upload_failed|timeout/i);
      expect(received).toBe(2);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  }, 10_000);
});
