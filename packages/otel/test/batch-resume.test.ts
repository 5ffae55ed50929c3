import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resumeBatch } from '@mistral-flows/batch';
import { createClient } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry, spanKey, type StoredSpan } from '../src/index.js';
import { otelHarness } from './support.js';

const fixture = fileURLToPath(new URL('./fixtures/batch-child.mjs', import.meta.url));
const COUNT = 40;

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-otel-batch-'));
  // 40 lines at 20 per second: about two seconds of polling to kill the process in.
  emulator = await startEmulator({ batchRps: 20 });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

interface StoredBatch {
  snapshot: { children: Record<string, { snapshot?: { value?: unknown } }> };
}

async function read<T>(path: string, key: string): Promise<T | undefined> {
  if (!existsSync(path)) return undefined;
  const store = new SqliteStore({ path });
  try {
    return (await store.get<T>(key))?.value;
  } finally {
    await store.close();
  }
}

describe('createTelemetry with runBatch', () => {
  it('links the span of a batch resumed after SIGKILL to the span of the killed run, with an event per state', async () => {
    const key = `otel-batch-${Date.now()}`;
    const dbPath = join(dir, 'store.db');
    const workDir = join(dir, 'work');
    const child = spawn(
      process.execPath,
      [fixture, emulator.url, dbPath, workDir, key, String(COUNT)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: string[] = [];
    child.stdout.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let killedSpan: StoredSpan | undefined;
    await waitFor(
      async () => {
        if (lines.includes('outcome')) throw new Error('the batch ended before the kill');
        const batch = await read<StoredBatch>(dbPath, `batch:${key}`);
        const polling = Object.values(batch?.snapshot.children ?? {}).some(
          (c) => c.snapshot?.value === 'polling',
        );
        if (!polling) return false;
        killedSpan = await read<StoredSpan>(dbPath, spanKey('batch', key));
        return killedSpan !== undefined;
      },
      { timeoutMs: 20_000, intervalMs: 5, what: 'the child polling its batch job' },
    );
    child.kill('SIGKILL');
    await exited;
    expect(lines).not.toContain('outcome');

    const otel = otelHarness();
    const store = new SqliteStore({ path: dbPath });
    try {
      const telemetry = createTelemetry({ ...otel, store });
      const run = await resumeBatch(key, {
        client: createClient({ serverURL: emulator.url }),
        store,
        workDir,
        model: 'mistral-small-latest',
        poll: { initialMs: 10, maxMs: 40, multiplier: 1.5 },
        inspect: telemetry.inspect,
      });
      const outcome = await run.done;
      expect(outcome.status).toBe('succeeded');
      await waitFor(() => otel.finished().some((s) => s.name === 'batch_run'), {
        what: 'the batch_run span to end',
      });
      const spans = otel.finished().filter((s) => s.name === 'batch_run');
      expect(spans).toHaveLength(1);
      const [span] = spans;
      expect(span!.attributes).toMatchObject({
        'mistral_flows.batch.key': key,
        'mistral_flows.resumed': true,
        'mistral_flows.batch.status': 'succeeded',
      });
      expect(span!.links.map((l) => l.context.spanId)).toEqual([killedSpan!.spanId]);
      expect(span!.links[0]!.context.traceId).toBe(killedSpan!.traceId);
      const runStates = span!.events
        .filter((e) => e.name === 'batch.state')
        .map((e) => e.attributes?.['mistral_flows.batch.state']);
      expect(runStates[0]).toBe('running');
      expect(runStates.at(-1)).toMatch(/^done/);
      const jobStates = span!.events
        .filter((e) => e.name === 'batch.job.state')
        .map((e) => e.attributes?.['mistral_flows.batch.state']);
      expect(jobStates).toEqual(expect.arrayContaining(['polling', 'downloading']));
      // The store now keeps the resumed run's span, for the next resume.
      const kept = await store.get<StoredSpan>(spanKey('batch', key));
      expect(kept?.value.spanId).toBe(span!.spanContext().spanId);
    } finally {
      await store.close();
      await otel.close();
    }
  });
});
