import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { Findings, emulatorStats, type ChaosRun } from './chaos-run.js';
import { childScript, spawnNode, type NodeChild } from './node-child.js';
import { createRandom } from './random.js';

const KILLS = 20;
const KILLS_PER_KEY = 3;
const MAX_KEYS = 30;
const REQUESTS = 3_000;
const SHARDED_PER_JOB = 1_000;
const KEY_METADATA = 'mistral_flows_batch_key';

interface DoneSummary {
  status: string;
  counts: { total: number; succeeded: number; failed: number; missing: number };
  jobs: string[];
  results: number;
  missingCount: number;
  notOkCount: number;
}

/** The shard keys runBatch gives a batch split into `count` jobs (the key itself for one). */
export function shardKeys(key: string, count: number): string[] {
  return count === 1 ? [key] : Array.from({ length: count }, (_, i) => `${key}~${i + 1}of${count}`);
}

/**
 * Where a killed batch stood, from what it had persisted: `nothing stored`, the parent's state
 * while it prepares, else the state of each job machine (one per shard).
 */
async function storedStates(dbPath: string, key: string): Promise<string[]> {
  const store = new SqliteStore({ path: dbPath });
  try {
    const entry = await store.get<{
      snapshot: { value: string; children?: Record<string, { snapshot?: { value?: unknown } }> };
    }>(`batch:${key}`);
    if (!entry) return ['nothing stored yet'];
    const snapshot = entry.value.snapshot;
    const jobs = Object.values(snapshot.children ?? {})
      .map((c) => c.snapshot?.value)
      .filter((v): v is string => typeof v === 'string');
    return jobs.length > 0 ? jobs : [`batch ${snapshot.value}`];
  } finally {
    await store.close();
  }
}

/**
 * Runs batches of 3,000 requests in child processes (`runBatch` with a SqliteStore and a workDir
 * in a temp dir), SIGKILLs them at random moments, 20 times in all and at most 3 times per batch,
 * and resumes each in a new process with `resumeBatch` until it finishes. Every other batch is
 * split into 3 jobs. At the end the emulator must hold exactly one job per key (per shard key for
 * split batches), counted by the `mistral_flows_batch_key` metadata, and every batch must have
 * all its results.
 */
export const chaos: ChaosRun = {
  name: 'batch',
  title: `${KILLS} random SIGKILLs of runBatch processes, resumed with resumeBatch in new processes`,
  budgetMs: 8 * 60_000,
  async run(ctx) {
    const f = new Findings();
    const random = createRandom(ctx.seed + 1);
    const dir = mkdtempSync(join(tmpdir(), 'mf-chaos-batch-'));
    const emulator = await ctx.startEmulator(['--batch-rps', '1500']);
    const script = childScript('batch-child');
    const children = new Set<NodeChild>();
    try {
      const life = (mode: 'start' | 'resume', key: string, perJob: number) => {
        const child = spawnNode(script, [
          mode,
          emulator.url,
          join(dir, `${key}.db`),
          join(dir, key),
          key,
          String(REQUESTS),
          String(perJob),
        ]);
        children.add(child);
        return child;
      };
      const finish = async (child: NodeChild, what: string): Promise<DoneSummary | undefined> => {
        const line = await child.waitForLine((l) => l.startsWith('done '), 90_000);
        if (!line) {
          const exit = child.hasExited() ? await child.exited : undefined;
          f.failures.push(
            `${what}: ${exit ? `exited (code ${exit.code}, signal ${exit.signal}) without an outcome` : 'no outcome within 90 s (hung)'}; last lines: ${child.lines.slice(-3).join(' | ')}; stderr: ${child.stderr().slice(-400)}`,
          );
          await child.kill();
          return undefined;
        }
        await child.exited;
        return JSON.parse(line.slice(5)) as DoneSummary;
      };

      // One batch run to the end first: how long a life lasts, for the kill delays.
      const t0 = Date.now();
      const calibration = life('start', 'calibration', 10_000);
      await calibration.waitForLine((l) => l.startsWith('ready'), 30_000);
      const ready = Date.now();
      const calibrated = await finish(calibration, 'calibration batch');
      const lifetime = Date.now() - ready;
      ctx.log(
        `  an uninterrupted batch of ${REQUESTS} requests: ${lifetime} ms from ready to done (${Date.now() - t0} ms with process start)`,
      );
      f.check(
        calibrated?.status === 'succeeded' && calibrated.results === REQUESTS,
        `the uninterrupted calibration batch did not succeed: ${JSON.stringify(calibrated)}`,
      );

      let kills = 0;
      let completeBatches = 0;
      const killedIn: Record<string, number> = {};
      const batches: Array<{ key: string; shards: number; lives: number; kills: number }> = [];
      for (let k = 0; k < MAX_KEYS && kills < KILLS; k++) {
        const sharded = k % 2 === 1;
        const key = `chaos-${ctx.seed}-${k}`;
        const shards = sharded ? REQUESTS / SHARDED_PER_JOB : 1;
        const batch = { key, shards, lives: 0, kills: 0 };
        batches.push(batch);
        let summary: DoneSummary | undefined;
        for (;;) {
          const child = life(
            batch.lives === 0 ? 'start' : 'resume',
            key,
            sharded ? SHARDED_PER_JOB : 10_000,
          );
          batch.lives++;
          const readyLine = await child.waitForLine((l) => l.startsWith('ready'), 30_000);
          if (!readyLine) {
            f.failures.push(
              `${key}: a child never became ready; stderr: ${child.stderr().slice(-400)}`,
            );
            await child.kill();
            break;
          }
          if (batch.kills < KILLS_PER_KEY && kills < KILLS) {
            // Preparing, uploading, locating and creating take the first ~10% of a life, polling
            // most of the rest: 40% of first lives are cut in that early window, so that every
            // phase is hit. A resumed life has less left to do: its kill comes earlier.
            const early = batch.lives === 1 && random() < 0.4;
            const delay = random.between(
              0,
              lifetime * (early ? 0.15 : batch.lives === 1 ? 0.95 : 0.6),
            );
            const exitedFirst = await Promise.race([
              child.exited.then(() => true),
              new Promise<false>((resolve) => setTimeout(() => resolve(false), delay)),
            ]);
            if (!exitedFirst) {
              await child.kill();
              const states = await storedStates(join(dir, `${key}.db`), key);
              for (const state of states) killedIn[state] = (killedIn[state] ?? 0) + 1;
              batch.kills++;
              kills++;
              ctx.log(
                `  kill ${kills}: ${key} life ${batch.lives} after ${Math.round(delay)} ms; stored: ${states.join(', ')}`,
              );
              continue;
            }
          }
          summary = await finish(child, `${key} life ${batch.lives}`);
          const exit = await child.exited;
          if (exit.code !== 0)
            f.failures.push(
              `${key}: the last life exited with ${exit.code}; stderr: ${child.stderr().slice(-400)}`,
            );
          break;
        }
        const complete =
          summary !== undefined &&
          summary.status === 'succeeded' &&
          summary.results === REQUESTS &&
          summary.missingCount === 0 &&
          summary.notOkCount === 0 &&
          summary.counts.succeeded === REQUESTS;
        if (complete) completeBatches++;
        f.check(complete, `${key}: not every result at the end: ${JSON.stringify(summary)}`);
        f.check(
          summary === undefined || summary.jobs.length === shards,
          `${key}: the outcome lists ${summary?.jobs.length} job(s), expected ${shards}`,
        );
        ctx.log(
          `  ${key}: ${batch.lives} lives, ${batch.kills} kills, ${summary?.status ?? 'no outcome'}, ${summary?.results ?? 0} results`,
        );
      }

      // Exactly one job per key (per shard key), counted by the emulator from job metadata.
      const stats = await emulatorStats(emulator.url);
      const byKey = stats.jobsByMetadata[KEY_METADATA] ?? {};
      const problems: string[] = [];
      let expectedJobs = 1; // the calibration batch
      for (const b of batches) {
        for (const shard of shardKeys(b.key, b.shards)) {
          expectedJobs++;
          if (byKey[shard] !== 1) problems.push(`${shard}: ${byKey[shard] ?? 0} jobs`);
        }
        const strays = Object.keys(byKey).filter(
          (k) => k.startsWith(`${b.key}~`) && !shardKeys(b.key, b.shards).includes(k),
        );
        for (const s of strays) problems.push(`${s}: an unexpected shard key`);
      }
      f.checkAll(problems, 'keys without exactly one job');
      f.check(
        stats.jobsCreated === expectedJobs,
        `the emulator created ${stats.jobsCreated} jobs, expected ${expectedJobs}`,
      );
      f.check(
        kills === KILLS,
        `only ${kills} of ${KILLS} kills landed before the batches finished`,
      );

      const lives = batches.reduce((n, b) => n + b.lives, 0);
      f.tried.push(
        `${batches.length} batches of ${REQUESTS.toLocaleString('en-US')} requests (${batches.filter((b) => b.shards > 1).length} of them split into 3 jobs of ${SHARDED_PER_JOB.toLocaleString('en-US')}), each in child processes running runBatch / resumeBatch with a SqliteStore and a workDir in a temp dir; seed ${ctx.seed + 1}`,
        `${kills} SIGKILLs at random moments after the child's ready line (uniform up to 0.95x the ${lifetime} ms an uninterrupted batch took, or up to 0.15x for 40% of first lives to hit the early phases, 0.6x in resumed processes), at most ${KILLS_PER_KEY} per batch, each followed by resumeBatch in a new process: ${lives} processes in all`,
        `where the kills landed, from the state each batch had persisted (one entry per job machine, three for a split batch): ${Object.entries(
          killedIn,
        )
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')}`,
      );
      f.survived.push(
        `${expectedJobs - 1 - problems.length} of ${expectedJobs - 1} (shard) keys of the ${batches.length} batches have exactly one job by the emulator's jobsByMetadata; ${stats.jobsCreated} jobs created in all (${expectedJobs} expected, the calibration batch included)`,
        `${completeBatches} of ${batches.length} batches ended succeeded with all ${REQUESTS.toLocaleString('en-US')} results, each custom_id present and ok`,
        `uploads: ${stats.requests['POST /v1/files'] ?? 0} POST /v1/files for ${expectedJobs} jobs (an upload cut by a kill is sent again; a finished one is found by name and size); the emulator holds ${stats.files} files, ${2 * expectedJobs} expected (one input and one output per job)`,
      );
      Object.assign(f.facts, {
        batches: batches.length,
        kills,
        processes: lives + 1,
        jobsCreated: stats.jobsCreated,
        expectedJobs,
      });
      return { name: 'batch', title: this.title, seed: ctx.seed + 1, ...f };
    } finally {
      for (const child of children) await child.kill();
      await emulator.close();
      if (process.env.CHAOS_KEEP) ctx.log(`  kept ${dir} (CHAOS_KEEP)`);
      else rmSync(dir, { recursive: true, force: true });
    }
  },
};
