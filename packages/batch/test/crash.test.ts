import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_METADATA } from '../src/index.js';

/**
 * Kills a process running `runBatch` (SIGKILL) at points across the whole lifecycle, resumes the
 * batch with `resumeBatch` in a new process, and checks that each key got exactly one job per
 * round (emulator stats) and that every request has its result.
 */
const fixture = fileURLToPath(new URL('./fixtures/batch-child.mjs', import.meta.url));
const COUNT = 300;

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-batch-crash-'));
  emulator = await startEmulator({
    batchRps: 600,
    scenarios: [
      {
        match: { endpoint: 'batch', lastUserMessage: 'flaky-retry-create' },
        error: { status: 500, message: 'transient' },
        times: 6,
      },
      {
        match: { endpoint: 'batch', lastUserMessage: 'flaky-retry-poll' },
        error: { status: 500, message: 'transient' },
        times: 6,
      },
    ],
  });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Stored {
  value: string;
  context: { shards: Array<{ key: string }> };
  children: Record<
    string,
    {
      snapshot?: {
        value?: string;
        context?: {
          attempt: number;
          counters: { completed: number; total: number };
          status?: string;
        };
      };
    }
  >;
}

async function stored(key: string): Promise<Stored | undefined> {
  const path = join(dir, `${key}.db`);
  if (!existsSync(path)) return undefined;
  const store = new SqliteStore({ path });
  try {
    return (await store.get<{ snapshot: Stored }>(`batch:${key}`))?.value.snapshot;
  } finally {
    await store.close();
  }
}

/** The state of the (first) job machine, with its attempt and counters. */
const job = (s: Stored | undefined) => {
  const child = s && Object.values(s.children).find((c) => c.snapshot?.context?.counters);
  return child?.snapshot as
    | {
        value: string;
        context: {
          attempt: number;
          counters: { completed: number; total: number };
          status?: string;
        };
      }
    | undefined;
};

function run(
  mode: 'start' | 'resume' | 'resume-bare',
  key: string,
  flaky: string,
  maxPerJob: number,
) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      fixture,
      mode,
      emulator.url,
      join(dir, `${key}.db`),
      join(dir, key),
      key,
      String(COUNT),
      flaky,
      String(maxPerJob),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  child.stdout!.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, lines, exited };
}

type When = (key: string) => Promise<boolean>;
const at =
  (predicate: (s: Stored) => boolean): When =>
  async (key) => {
    const s = await stored(key);
    return s !== undefined && predicate(s);
  };
const jobAt = (predicate: (j: NonNullable<ReturnType<typeof job>>) => boolean): When =>
  at((s) => {
    const j = job(s);
    return j !== undefined && predicate(j);
  });
const jobsOf = (key: string) => emulator.stats().jobsByMetadata[KEY_METADATA]?.[key] ?? 0;

interface Point {
  name: string;
  when: When;
  flaky?: string;
  shards?: number;
}

const points: Point[] = [
  { name: 'while the parent prepares the input', when: at((s) => s.value === 'preparing') },
  { name: 'while the job machine prepares', when: jobAt((j) => j.value === 'preparing') },
  { name: 'while uploading', when: jobAt((j) => j.value === 'uploading') },
  { name: 'while locating an existing job', when: jobAt((j) => j.value === 'locating') },
  {
    name: 'between the create request and its response',
    when: (key) => Promise.resolve(jobsOf(key) >= 1),
  },
  {
    name: 'while polling, early',
    when: jobAt((j) => j.value === 'polling' && j.context.counters.completed < 100),
  },
  {
    name: 'while polling, late',
    when: jobAt((j) => j.value === 'polling' && j.context.counters.completed > 200),
  },
  { name: 'while downloading', when: jobAt((j) => j.value === 'downloading') },
  { name: 'after the batch finished', when: at((s) => s.value === 'done') },
  {
    name: 'while the failed lines are prepared for a second job',
    when: jobAt((j) => j.value === 'retryingFailed' || j.context.attempt === 2),
    flaky: 'flaky-retry-create',
  },
  {
    name: 'while the second job runs',
    when: jobAt((j) => j.context.attempt === 2 && j.value === 'polling'),
    flaky: 'flaky-retry-poll',
  },
  {
    name: 'with two shards, while the first runs',
    when: at((s) => Object.values(s.children).some((c) => c.snapshot?.value === 'polling')),
    shards: 2,
  },
];

describe('batch crash and resume', () => {
  it.each(points.map((p, i) => [p.name, i] as const))(
    'resumes after SIGKILL %s',
    async (_name, index) => {
      const point = points[index]!;
      const key = `crash-${index}`;
      const shards = point.shards ?? 1;
      const maxPerJob = shards === 1 ? COUNT : COUNT / shards;
      const first = run('start', key, point.flaky ?? '-', maxPerJob);
      await waitFor(
        () => (first.lines.some((l) => l.startsWith('outcome')) ? true : point.when(key)),
        {
          timeoutMs: 20_000,
          intervalMs: 2,
          what: `kill point "${point.name}"`,
        },
      );
      first.child.kill('SIGKILL');
      await first.exited;
      // The kill must have happened at the point, not after the first process had finished.
      if (!point.name.includes('finished'))
        expect(first.lines.some((l) => l.startsWith('outcome'))).toBe(false);

      const second = run('resume', key, point.flaky ?? '-', maxPerJob);
      await waitFor(() => second.lines.some((l) => l.startsWith('outcome')), {
        timeoutMs: 30_000,
        what: 'the resumed batch to end',
      });
      expect(await second.exited).toBe(0);
      const outcome = JSON.parse(
        second.lines.find((l) => l.startsWith('outcome'))!.slice('outcome '.length),
      ) as {
        status: string;
        counts: { total: number; succeeded: number; failed: number; missing: number };
        jobs: Array<[number, string]>;
        results: number;
      };
      expect(outcome.status).toBe('succeeded');
      expect(outcome.counts).toEqual({ total: COUNT, succeeded: COUNT, failed: 0, missing: 0 });
      expect(outcome.results).toBe(COUNT);
      // Exactly one job per key and round: never a second paid job after a crash.
      if (shards === 1) {
        expect(jobsOf(key)).toBe(point.flaky ? 2 : 1);
        expect(outcome.jobs.map(([attempt]) => attempt)).toEqual(point.flaky ? [1, 2] : [1]);
      } else {
        for (let i = 1; i <= shards; i++) expect(jobsOf(`${key}~${i}of${shards}`)).toBe(1);
        expect(jobsOf(key)).toBe(0);
      }
    },
  );
});

describe('batch recovery from a stored failure', () => {
  it.each(['resume', 'start'] as const)(
    'recovers with %s and the requests after a resume without them stored batch_not_found',
    async (mode) => {
      const key = `prepare-${mode}`;
      const first = run('start', key, 'stall-prepare', COUNT);
      // Its requests never end: it can only be in preparing when killed.
      await waitFor(() => at((s) => s.value === 'preparing')(key), {
        timeoutMs: 20_000,
        what: 'the batch to be preparing',
      });
      first.child.kill('SIGKILL');
      await first.exited;
      expect((await stored(key))?.value).toBe('preparing');

      const bare = run('resume-bare', key, '-', COUNT);
      expect(await bare.exited).toBe(0);
      expect(outcomeOf(bare.lines)).toMatchObject({ status: 'failed', error: 'batch_not_found' });
      expect((await stored(key))?.value).toBe('failed');

      const again = run(mode, key, '-', COUNT);
      expect(await again.exited).toBe(0);
      expect(outcomeOf(again.lines)).toMatchObject({
        status: 'succeeded',
        counts: { total: COUNT, succeeded: COUNT, failed: 0, missing: 0 },
        results: COUNT,
      });
      expect(jobsOf(key)).toBe(1);
      expect((await stored(key))?.value).toBe('done');
    },
  );
});

function outcomeOf(lines: string[]): unknown {
  const line = lines.find((l) => l.startsWith('outcome '));
  return line === undefined ? undefined : JSON.parse(line.slice('outcome '.length));
}
