import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { conversationKey, type ConversationMessage } from '@mistral-flows/agents';
import type { Store } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { createConversationClient, leaseKey, type LeaseRecord } from '../../src/index.js';
import type { Cleanups } from './harness.js';

const fixture = fileURLToPath(
  new URL('../fixtures/conversation-worker-process.mjs', import.meta.url),
);

export interface CrashRunOptions {
  cleanups: Cleanups;
  redisUrl: string;
  name: string;
  /** How the worker processes open the store: `redis <namespace>` or `postgres <url#table>`. */
  storeKind: 'redis' | 'postgres';
  storeTarget: string;
  /** The same store, opened here to check what the workers wrote. */
  store: Store;
  workers: number;
  conversations: number;
  turns: number;
  leaseMs: number;
  /** Time between two kills (each kill picks a random live worker and starts its replacement). */
  killEveryMs: number;
  /** Conversation `i` starts `i * staggerMs` after the first, so that turns run all along. */
  staggerMs: number;
  /** Gives up on the whole run after this long. */
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface CrashRunReport {
  kills: number;
  /** Actions taken over by another worker after their worker died (`action-start` resumed). */
  resumed: number;
  stalled: number;
  durationMs: number;
  /** Everything that went wrong; empty when the run passed. */
  problems: string[];
  executions: Record<string, string>;
  violations: Record<string, string>;
  jobCounts: Record<string, number>;
}

/** A worker process that printed `ready <worker id>`. */
interface WorkerProcess {
  child: ChildProcess;
  id: string;
}

async function startWorkerProcess(
  options: CrashRunOptions,
  emulatorUrl: string,
): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    [
      fixture,
      options.redisUrl,
      options.name,
      emulatorUrl,
      options.storeKind,
      options.storeTarget,
      String(options.leaseMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  options.cleanups.add(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const id = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      const ready = /ready (\S+)\n/.exec(out);
      if (ready) resolve(ready[1]!);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`worker process exited with ${code ?? signal}`)),
    );
  });
  return { child, id };
}

/**
 * Runs `conversations` conversations of `turns` turns each (one tool call per turn) on
 * `workers` worker processes, SIGKILLs a random worker every `killEveryMs` and starts another,
 * and checks the outcome: every conversation has exactly its turns in order, no tool call whose
 * result was stored ran again, and no job is left waiting, active, delayed or failed.
 */
export async function runConversationCrash(options: CrashRunOptions): Promise<CrashRunReport> {
  const { cleanups, redisUrl, name, store, turns } = options;
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const emulator = await startEmulator({
    latency: { ttftMs: 20, tokenMs: 2 },
    scenarios: [
      {
        match: { lastUserMessage: '^turn (\\d+)', step: 1 },
        toolCalls: [{ name: 'lookup', arguments: { item: 'order' } }],
      },
      { match: { lastUserMessage: '^turn (\\d+)', step: 2 }, text: 'Answer to turn $1.' },
    ],
  });
  cleanups.add(() => emulator.close());
  const redis = new Redis(redisUrl);
  cleanups.add(() => redis.disconnect());
  const client = createConversationClient({ connection: { url: redisUrl }, name });
  cleanups.add(() => client.close());
  await client.ready();
  const queueEvents = new QueueEvents(name, { connection: { url: redisUrl } });
  cleanups.add(() => queueEvents.close());
  let stalled = 0;
  queueEvents.on('stalled', () => stalled++);
  await queueEvents.waitUntilReady();

  const first = await Promise.all(
    Array.from({ length: options.workers }, () => startWorkerProcess(options, emulator.url)),
  );
  log(`${first.length} workers ready`);

  const problems: string[] = [];
  const ids = Array.from({ length: options.conversations }, (_, i) => `c${i}`);
  let finished = false;
  const drive = Promise.all(
    ids.map(async (id, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * options.staggerMs));
      await client.result(await client.create({ id }), { timeoutMs: options.timeoutMs });
      for (let turn = 1; turn <= turns; turn++) {
        const outcome = await client.result(await client.send(id, `turn ${turn} of ${id}`), {
          timeoutMs: options.timeoutMs,
        });
        if (outcome.status !== 'idle' || outcome.turn?.text !== `Answer to turn ${turn}.`) {
          problems.push(`${id} turn ${turn}: ${JSON.stringify(outcome)}`);
        }
      }
    }),
  ).finally(() => {
    finished = true;
  });

  // A kill every `killEveryMs`, of a worker in the middle of an action when there is one, while
  // at least two workers are up; its replacement starts at once (it takes a second or more on
  // two busy cores) and joins when ready.
  let kills = 0;
  const live: Array<WorkerProcess | undefined> = [...first];
  const restarts: Array<Promise<void>> = [];
  const killer = (async () => {
    while (!finished) {
      await new Promise((resolve) => setTimeout(resolve, options.killEveryMs));
      const up = live.flatMap((w, i) => (w ? [i] : []));
      if (finished || up.length < 2) continue;
      const leases = await store.list<LeaseRecord>('conversation-lease:');
      const busy = new Set(leases.flatMap((l) => (l.value.applying ? [l.value.owner] : [])));
      const candidates = up.filter((i) => busy.has(live[i]!.id));
      const pool = candidates.length > 0 ? candidates : up;
      const index = pool[Math.floor(Math.random() * pool.length)]!;
      const victim = live[index]!.child;
      live[index] = undefined;
      if (victim.exitCode !== null || victim.signalCode !== null) {
        problems.push(
          `worker ${victim.pid} exited by itself (${victim.exitCode ?? victim.signalCode})`,
        );
      } else {
        victim.kill('SIGKILL');
        await new Promise((resolve) => victim.once('exit', resolve));
        kills++;
        log(`killed worker ${victim.pid} (${kills})`);
      }
      restarts.push(
        startWorkerProcess(options, emulator.url).then((worker) => {
          live[index] = worker;
        }),
      );
    }
  })();

  try {
    await drive;
  } catch (error) {
    // Say where each unfinished conversation stands: its lease record and its jobs' states.
    const lines: string[] = [];
    for (const id of ids) {
      const lease = await store.get<LeaseRecord>(leaseKey(id));
      if (lease?.value.done === turns + 1) continue;
      const states = [];
      for (let seq = 1; seq <= turns + 1; seq++) {
        const job = await client.queue.getJob(`${id}.${seq}`);
        const state = job ? await job.getState() : 'none';
        if (state === 'active' && job) {
          const lock = await redis.get(`bull:${name}:${job.id}:lock`);
          const ttl = await redis.pttl(`bull:${name}:${job.id}:lock`);
          const stalledSet = await redis.sismember(`bull:${name}:stalled`, job.id!);
          states.push(
            `${seq}:active(lock ${lock} ttl ${ttl} inStalledSet ${stalledSet} stalls ${job.stalledCounter} started ${job.attemptsStarted} made ${job.attemptsMade})`,
          );
        } else states.push(`${seq}:${state}`);
      }
      lines.push(
        `${id} lease v${lease?.version} ${JSON.stringify(lease?.value)} jobs ${states.join(' ')}`,
      );
    }
    const workers = await client.queue.getWorkers();
    lines.push(
      `workers: ${workers.map((w) => `${w.name ?? ''} ${w.addr ?? ''} idle ${w.idle ?? ''}`).join('; ')}`,
    );
    throw new Error(`${(error as Error).message}\n${lines.join('\n')}`, { cause: error });
  }
  await killer;
  await Promise.all(restarts);
  log(`all conversations done after ${Date.now() - started} ms`);

  // Every job ends completed: nothing waiting, active, delayed, stalled into failure.
  const jobCounts = await waitFor(
    async () => {
      const counts = await client.queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'failed',
        'completed',
        'prioritized',
      );
      const idle =
        counts.waiting === 0 &&
        counts.active === 0 &&
        counts.delayed === 0 &&
        counts.prioritized === 0;
      return idle ? counts : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 100, what: 'no job waiting, active or delayed' },
  );
  if (jobCounts.failed !== 0) problems.push(`${jobCounts.failed} job(s) failed`);
  const expectedJobs = ids.length * (turns + 1);
  if (jobCounts.completed !== expectedJobs) {
    problems.push(`${jobCounts.completed} jobs completed, expected ${expectedJobs}`);
  }

  for (const id of ids) {
    const entry = await store.get<{
      snapshot: { value: unknown; context: { messages: ConversationMessage[] } };
    }>(conversationKey(id));
    const messages = entry?.value.snapshot.context.messages ?? [];
    const users = messages.filter((m) => m.role === 'user').map((m) => m.content);
    const expected = Array.from({ length: turns }, (_, t) => `turn ${t + 1} of ${id}`);
    if (JSON.stringify(users) !== JSON.stringify(expected)) {
      problems.push(`${id}: user messages ${JSON.stringify(users)}`);
    }
    const roles = messages.map((m) => m.role).join(',');
    const oneTurn = 'user,assistant,tool,assistant';
    if (roles !== Array.from({ length: turns }, () => oneTurn).join(',')) {
      problems.push(`${id}: history ${roles}`);
    }
    if (entry?.value.snapshot.value !== 'idle') {
      problems.push(`${id}: state ${JSON.stringify(entry?.value.snapshot.value)}`);
    }
    const lease = await store.get<LeaseRecord>(leaseKey(id));
    if (lease?.value.owner !== null || lease.value.done !== turns + 1) {
      problems.push(`${id}: lease ${JSON.stringify(lease?.value)}`);
    }
  }

  const executions = await redis.hgetall(`${name}:executions`);
  const violations = await redis.hgetall(`${name}:violations`);
  if (Object.keys(violations).length > 0) {
    problems.push(`tools ran again after their result was stored: ${JSON.stringify(violations)}`);
  }
  if (Object.keys(executions).length < ids.length * turns) {
    problems.push(
      `${Object.keys(executions).length} tool calls ran, expected ${ids.length * turns}`,
    );
  }

  let resumed = 0;
  for (const id of ids) {
    const raw = await redis.xrange(`bull:${name}:conversation:${id}:events`, '-', '+');
    for (const [, fields] of raw) {
      const data = fields[fields.indexOf('d') + 1] ?? '';
      if (data.includes('"type":"action-start"') && data.includes('"resumed":true')) resumed++;
    }
  }
  return {
    kills,
    resumed,
    stalled,
    durationMs: Date.now() - started,
    problems,
    executions,
    violations,
    jobCounts,
  };
}

/** One line for the test output: what the run did. */
export function summary(report: CrashRunReport): string {
  const runs = Object.values(report.executions).reduce((sum, n) => sum + Number(n), 0);
  const calls = Object.keys(report.executions).length;
  return (
    `${report.kills} kills, ${report.stalled} stalled jobs, ${report.resumed} actions taken over ` +
    `by another worker, ${calls} tool calls run ${runs} times (a call runs again only when its ` +
    `result was not stored yet), ${Math.round(report.durationMs / 100) / 10} s`
  );
}

/** The run both crash tests make: 3 workers, 30 conversations of 3 turns, a kill every second. */
export const CRASH_TEST_RUN = {
  workers: 3,
  conversations: 30,
  turns: 3,
  leaseMs: 2_000,
  killEveryMs: 1_000,
  staggerMs: 500,
  timeoutMs: 45_000,
} satisfies Partial<CrashRunOptions>;

/** What a crash test asserts of its run: nothing wrong, workers killed and taken over, no job left. */
export function expectCleanCrashRun(report: CrashRunReport): void {
  console.log(summary(report));
  expect(report.problems).toEqual([]);
  expect(report.kills).toBeGreaterThanOrEqual(3);
  expect(report.resumed).toBeGreaterThan(0);
  expect(report.jobCounts).toMatchObject({ active: 0, waiting: 0, delayed: 0, failed: 0 });
}
