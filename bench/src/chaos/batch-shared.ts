import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Store } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { shardKeys } from './batch.js';
import { Findings, emulatorStats, until, type ChaosRun } from './chaos-run.js';
import { childScript, spawnNode, type NodeChild } from './node-child.js';
import { createRandom } from './random.js';

const WORKERS = 3;
const KILLS_PER_WORKER = 6;
/** A worker still unfinished after this many lives is a failure (it could not recover). */
const MAX_LIVES = 12;
const REQUESTS = 900;
const SHARDED_PER_JOB = 300;
const UNSHARDED = 10_000;
const LIFE_TIMEOUT_MS = 90_000;
const KEY_METADATA = 'mistral_flows_batch_key';

interface Assignment {
  key: string;
  maxRequestsPerJob: number;
}

interface Summary {
  status: string;
  error?: string;
  resumed?: boolean;
  jobs?: string[];
  results?: number;
  missing?: number;
  notOk?: number;
  foreign?: string[];
  foreignCount?: number;
  thrown?: string;
}

/**
 * The batches of each worker. Three groups of keys differ only in punctuation from one worker to
 * the next (`team/a`, `team_a`, `team a`: once the same file names), so that the workers' batches
 * sit side by side in one workDir and one store; the second and fourth groups are split into jobs
 * of 200 requests.
 */
function assignmentsOf(seed: number): Assignment[][] {
  const groups = [
    { names: ['team/a', 'team_a', 'team a'], perJob: UNSHARDED },
    { names: ['ops:b', 'ops;b', 'ops@b'], perJob: SHARDED_PER_JOB },
    { names: ['w0', 'w1', 'w2'], perJob: UNSHARDED },
    { names: ['w0/x', 'w1/x', 'w2/x'], perJob: SHARDED_PER_JOB },
  ];
  return Array.from({ length: WORKERS }, (_, w) =>
    groups.map((g) => ({ key: `${g.names[w]!}-${seed}`, maxRequestsPerJob: g.perJob })),
  );
}

const shardsOf = (a: Assignment) => Math.ceil(REQUESTS / a.maxRequestsPerJob);

/** What the shared store holds for a batch: the parent's state, its job machines' states. */
async function stored(
  store: Store,
  key: string,
): Promise<{ key: unknown; value: string; jobs: string[] } | undefined> {
  const entry = await store.get<{
    key: string;
    snapshot: { value: string; children?: Record<string, { snapshot?: { value?: unknown } }> };
  }>(`batch:${key}`);
  if (!entry) return undefined;
  const jobs = Object.values(entry.value.snapshot.children ?? {})
    .map((c) => c.snapshot?.value)
    .filter((v): v is string => typeof v === 'string');
  return { key: entry.value.key, value: entry.value.snapshot.value, jobs };
}

/** Where a batch stands: its job machines' states, else the parent's. */
async function storedStates(store: Store, key: string): Promise<string[]> {
  const s = await stored(store, key);
  if (!s) return ['nothing stored yet'];
  return s.jobs.length > 0 ? s.jobs : [`batch ${s.value}`];
}

/**
 * When a kill comes: after a random delay, or as soon as one of the batches is stored in a given
 * state (the short ones are rarely hit by chance), else after a deadline.
 */
const KILL_AT = ['a random moment', 'a random moment', 'locating', 'creating', 'downloading'];

/** The `done` / `failed` lines a life printed, by key (a line cut by the kill is ignored). */
function ended(child: NodeChild): Map<string, { done: boolean; summary: Summary }> {
  const out = new Map<string, { done: boolean; summary: Summary }>();
  for (const line of child.lines) {
    const match = /^(done|failed) (.+?) (\{.*\})$/.exec(line);
    if (!match) continue;
    try {
      out.set(match[2]!, { done: match[1] === 'done', summary: JSON.parse(match[3]!) as Summary });
    } catch {
      // A line cut short by SIGKILL: that batch did not report, and runs again in the next life.
    }
  }
  return out;
}

/**
 * Three worker processes share ONE SQLite file and one workDir, each running four batches of 900
 * requests at once (keys that differ only in punctuation across workers; half of them split into
 * three jobs of 300). Each worker is SIGKILLed at random moments, up to six times, and restarted with its
 * unfinished batches (resumeBatch when the shared store holds them, runBatch otherwise) until
 * every batch has ended. At the end every batch must have all its results, each answering its own
 * request of its own key, every (shard) key exactly one job by the emulator's jobsByMetadata, and
 * no life may hang.
 */
export const chaos: ChaosRun = {
  name: 'batch-shared',
  title: `${WORKERS} processes sharing one SQLite file for batch runs, SIGKILLed at random (up to ${KILLS_PER_WORKER} times each) and restarted until every batch ends`,
  budgetMs: 3 * 60_000,
  async run(ctx) {
    const f = new Findings();
    const seed = ctx.seed + 2;
    const random = createRandom(seed);
    const dir = mkdtempSync(join(tmpdir(), 'mf-chaos-batch-shared-'));
    const dbPath = join(dir, 'shared.db');
    const workDir = join(dir, 'work');
    const emulator = await ctx.startEmulator(['--batch-rps', '300', '--batch-concurrency', '16']);
    const script = childScript('batch-shared-child');
    const children = new Set<NodeChild>();
    // A reader of the shared file, for where the batches stand (the workers write it).
    const reader = new SqliteStore({ path: dbPath });
    const life = (assignments: Assignment[]) => {
      const child = spawnNode(script, [
        emulator.url,
        dbPath,
        workDir,
        String(REQUESTS),
        JSON.stringify(assignments),
      ]);
      children.add(child);
      return child;
    };
    try {
      // One uninterrupted life of one batch first: how long a life lasts, for the kill delays.
      const calibrationKey = `calibration-${seed}`;
      const calibration = life([{ key: calibrationKey, maxRequestsPerJob: UNSHARDED }]);
      await calibration.waitForLine((l) => l.startsWith('ready'), 30_000);
      const t0 = Date.now();
      const calibrated = await calibration.waitForLine(
        (l) => l.startsWith('done ') || l.startsWith('failed '),
        LIFE_TIMEOUT_MS,
      );
      const lifetime = Date.now() - t0;
      await calibration.kill();
      f.check(
        calibrated?.startsWith('done ') === true,
        `the uninterrupted calibration batch did not succeed: ${calibrated ?? 'no outcome'}`,
      );
      ctx.log(
        `  an uninterrupted batch of ${REQUESTS} requests: ${lifetime} ms from ready to done`,
      );

      const all = assignmentsOf(seed);
      const final = new Map<string, Summary>();
      const killedIn: Record<string, number> = {};
      const recovered: string[] = [];
      const stats = { kills: 0, lives: 0, hung: 0 };

      const worker = async (w: number) => {
        let remaining = all[w]!;
        let lives = 0;
        let kills = 0;
        while (remaining.length > 0) {
          if (lives >= MAX_LIVES) {
            f.failures.push(
              `worker ${w}: ${remaining.map((a) => a.key).join(', ')} still unfinished after ${lives} lives`,
            );
            return;
          }
          const child = life(remaining);
          lives++;
          stats.lives++;
          if (!(await child.waitForLine((l) => l.startsWith('ready'), 30_000))) {
            f.failures.push(
              `worker ${w}: a life never became ready; ${child.stderr().slice(-300)}`,
            );
            await child.kill();
            return;
          }
          let killed = false;
          if (kills < KILLS_PER_WORKER) {
            // A random delay: up to 0.9x an uninterrupted batch in a first life (four batches
            // share it, so it lasts longer), 0.5x later. Or, in the first two lives (later ones
            // may be past those states), the moment a batch is stored in `target`, polled every
            // 5 ms.
            const target = lives <= 2 ? random.pick(KILL_AT) : KILL_AT[0]!;
            const t = Date.now();
            const delay = random.between(0, lifetime * (lives === 1 ? 0.9 : 0.5));
            const inTarget = async () => {
              for (const a of remaining)
                if ((await storedStates(reader, a.key)).includes(target)) return true;
              return false;
            };
            let exitedFirst: boolean;
            if (target === 'a random moment') {
              exitedFirst = await Promise.race([
                child.exited.then(() => true),
                new Promise<false>((resolve) => setTimeout(() => resolve(false), delay)),
              ]);
            } else {
              await until(async () => child.hasExited() || (await inTarget()), lifetime * 1.5, 5);
              exitedFirst = child.hasExited();
            }
            if (!exitedFirst) {
              const waited = Date.now() - t;
              await child.kill();
              killed = true;
              kills++;
              stats.kills++;
              const states: string[] = [];
              for (const a of remaining) {
                if (ended(child).has(a.key)) continue;
                for (const s of await storedStates(reader, a.key)) {
                  states.push(s);
                  killedIn[s] = (killedIn[s] ?? 0) + 1;
                }
              }
              ctx.log(
                `  kill ${stats.kills}: worker ${w} life ${lives} at ${target} (after ${waited} ms); stored: ${states.join(', ') || 'all ended'}`,
              );
            }
          }
          if (!killed) {
            const finished = await Promise.race([
              child.exited.then(() => true),
              new Promise<false>((resolve) => setTimeout(() => resolve(false), LIFE_TIMEOUT_MS)),
            ]);
            if (!finished) {
              stats.hung++;
              f.failures.push(
                `worker ${w} life ${lives}: hung (no exit within ${LIFE_TIMEOUT_MS / 1000} s); last lines: ${child.lines.slice(-3).join(' | ')}`,
              );
              await child.kill();
              return;
            }
            const exit = await child.exited;
            if (exit.code !== 0)
              f.failures.push(
                `worker ${w} life ${lives} exited with ${exit.code}; ${child.stderr().slice(-300)}`,
              );
          }
          for (const [key, { done, summary }] of ended(child)) {
            if (done) final.set(key, summary);
            else recovered.push(`${key}: ${summary.error ?? summary.thrown ?? summary.status}`);
          }
          remaining = remaining.filter((a) => !final.has(a.key));
        }
        ctx.log(`  worker ${w}: every batch ended after ${lives} lives and ${kills} kills`);
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

      // Every result present, ok and its own; exactly one job per (shard) key.
      const batches = all.flat();
      const problems: string[] = [];
      for (const a of batches) {
        const s = final.get(a.key);
        if (!s) problems.push(`${a.key}: no outcome`);
        else if (
          s.status !== 'succeeded' ||
          s.results !== REQUESTS ||
          s.missing !== 0 ||
          s.notOk !== 0 ||
          s.foreignCount !== 0
        )
          problems.push(`${a.key}: ${JSON.stringify(s)}`);
        else if (s.jobs?.length !== shardsOf(a))
          problems.push(`${a.key}: ${s.jobs?.length} jobs in its outcome, ${shardsOf(a)} expected`);
      }
      f.checkAll(problems, 'batches without every result of their own');
      const em = await emulatorStats(emulator.url);
      const byKey = em.jobsByMetadata[KEY_METADATA] ?? {};
      const paidTwice: string[] = [];
      let expectedJobs = 1; // the calibration batch
      for (const a of batches) {
        for (const shard of shardKeys(a.key, shardsOf(a))) {
          expectedJobs++;
          if (byKey[shard] !== 1) paidTwice.push(`${shard}: ${byKey[shard] ?? 0} jobs`);
        }
      }
      f.checkAll(paidTwice, 'keys without exactly one job');
      f.check(
        em.jobsCreated === expectedJobs,
        `the emulator created ${em.jobsCreated} jobs, expected ${expectedJobs}`,
      );
      f.check(
        stats.kills >= WORKERS,
        `only ${stats.kills} kills landed before the batches finished`,
      );
      const notDone: string[] = [];
      for (const a of batches) {
        const s = await stored(reader, a.key);
        if (s?.value !== 'done' || s.key !== a.key || s.jobs.some((j) => j !== 'succeeded'))
          notDone.push(`${a.key}: ${JSON.stringify(s)}`);
      }
      f.checkAll(notDone, 'batches whose stored state is not done');

      const complete = batches.length - problems.length;
      f.tried.push(
        `${WORKERS} worker processes sharing ONE SQLite file (${dbPath.replace(dir, '<tmp>')}) and one workDir, each running ${all[0]!.length} batches of ${REQUESTS} requests at once: ${batches.length} batches, keys that differ only in punctuation across workers (${all.map((a) => JSON.stringify(a[0]!.key)).join(', ')}), half of them split into jobs of ${SHARDED_PER_JOB}; seed ${seed}`,
        `${stats.kills} SIGKILLs, at most ${KILLS_PER_WORKER} per worker, each at one of ${[...new Set(KILL_AT)].join(', ')} (drawn in a worker's first two lives, a random moment later; a random moment is uniform up to 0.9x the ${lifetime} ms an uninterrupted batch took in a first life, 0.5x later; a state is polled in the shared file every 5 ms), each followed by a new process resuming the unfinished batches (resumeBatch when the store held them, runBatch otherwise): ${stats.lives} worker processes in all`,
        `where the kills landed, from the state each unfinished batch had stored (one entry per job machine): ${
          Object.entries(killedIn)
            .map(([s, n]) => `${s} ${n}`)
            .join(', ') || 'nowhere'
        }`,
      );
      f.survived.push(
        `${complete} of ${batches.length} batches ended succeeded with all ${REQUESTS} results, each present once, ok, with its own custom_id and an answer naming its own request's word (no batch took another key's files or job)`,
        `${expectedJobs - 1 - paidTwice.length} of ${expectedJobs - 1} (shard) keys have exactly one job by the emulator's jobsByMetadata; ${em.jobsCreated} jobs created in all (${expectedJobs} expected, the calibration batch included): no batch paid twice`,
        `${batches.length - notDone.length} of ${batches.length} batches stored as done (every job machine succeeded, the key its own) in the shared SQLite file; ${stats.hung} lives hung; ${recovered.length} batch outcomes that failed and were run again: ${recovered.slice(0, 5).join('; ') || 'none'}`,
      );
      Object.assign(f.facts, {
        workers: WORKERS,
        batches: batches.length,
        kills: stats.kills,
        processes: stats.lives + 1,
        jobsCreated: em.jobsCreated,
        expectedJobs,
        failedOutcomesRecovered: recovered.length,
      });
      return { name: 'batch-shared', title: this.title, seed, ...f };
    } finally {
      for (const child of children) await child.kill();
      await reader.close();
      await emulator.close();
      if (process.env.CHAOS_KEEP) ctx.log(`  kept ${dir} (CHAOS_KEEP)`);
      else rmSync(dir, { recursive: true, force: true });
    }
  },
};
