import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conversationKey } from '@mistral-flows/agents';
import type { Store } from '@mistral-flows/core';
import { RedisStore } from '@mistral-flows/core/redis';
import { createConversationClient, leaseKey, type LeaseRecord } from '@mistral-flows/queue';
import { deleteQueueKeys } from '@mistral-flows/testing';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import {
  Findings,
  until,
  type ChaosContext,
  type ChaosReport,
  type ChaosRun,
} from './chaos-run.js';
import { childScript, spawnNode, type NodeChild } from './node-child.js';
import { createRandom } from './random.js';
import { REDIS_URL } from '../redis.js';

const WORKERS = 4;
const CONVERSATIONS = 300;
const TURNS = 3;
/** Conversations running at once (each runs its turns one after another). */
const IN_FLIGHT = 60;
const LEASE_MS = 2_000;
/** A random worker is killed this long after the previous kill, while two or more are up. */
const KILL_EVERY_MS: [number, number] = [1_000, 3_000];

const scenarios = {
  rules: [
    {
      match: { lastUserMessage: '^turn (\\d+)', step: 1 },
      toolCalls: [{ name: 'lookup', arguments: { item: 'order' } }],
    },
    { match: { lastUserMessage: '^turn (\\d+)', step: 2 }, text: 'Answer to turn $1.' },
  ],
};

export interface ConversationChaosOptions {
  ctx: ChaosContext;
  name: string;
  /** The BullMQ queue (and key prefix) of this run. */
  queue: string;
  title: string;
  seedOffset: number;
  storeKind: 'redis' | 'postgres';
  /** The store the workers use, as their command line gives it, and the same store opened here. */
  storeTarget: string;
  store: Store;
  /** What the store is, for the report. */
  storeLabel: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * `CONVERSATIONS` conversations of `TURNS` turns each (a tool call per turn) sent through
 * `createConversationClient` to `WORKERS` worker processes (`createConversationWorker`, lease
 * 2 s); a random worker is SIGKILLed every 1-3 s (seeded) while two or more are up, and
 * restarted. Checks every history, the order of the turns, that no tool call with a stored
 * result ran again, and that no job is left behind; measures the time from a kill to each action
 * resumed on another worker.
 */
export async function runConversationChaos(
  options: ConversationChaosOptions,
): Promise<Omit<ChaosReport, 'durationMs'>> {
  const { ctx, store } = options;
  const name = options.queue;
  const f = new Findings();
  const seed = ctx.seed + options.seedOffset;
  const random = createRandom(seed);
  const dir = mkdtempSync(join(tmpdir(), 'mf-chaos-conversations-'));
  const scenarioFile = join(dir, 'scenarios.json');
  writeFileSync(scenarioFile, JSON.stringify(scenarios));
  const emulator = await ctx.startEmulator([
    '--scenarios',
    scenarioFile,
    '--ttft-ms',
    '20',
    '--token-ms',
    '2',
  ]);
  const redis = new Redis(REDIS_URL);
  const client = createConversationClient({ connection: { url: REDIS_URL }, name });
  const queueEvents = new QueueEvents(name, { connection: { url: REDIS_URL } });
  let stalled = 0;
  queueEvents.on('stalled', () => stalled++);
  const script = childScript('conversation-worker');
  const args = [
    REDIS_URL,
    name,
    emulator.url,
    options.storeKind,
    options.storeTarget,
    String(LEASE_MS),
  ];
  const start = async (): Promise<NodeChild> => {
    const child = spawnNode(script, args);
    const ready = await child.waitForLine((l) => l.startsWith('ready'), 30_000);
    if (!ready) throw new Error(`a worker did not start: ${child.stderr()}`);
    return child;
  };
  const started = Date.now();
  const live: NodeChild[] = [];
  try {
    await client.ready();
    await queueEvents.waitUntilReady();
    live.push(...(await Promise.all(Array.from({ length: WORKERS }, start))));
    ctx.log(`  ${WORKERS} workers ready`);

    const problems: string[] = [];
    const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `conv-${i}`);
    let next = 0;
    let finished = 0;
    const drive = Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          try {
            await client.result(await client.create({ id }), { timeoutMs: 120_000 });
            for (let turn = 1; turn <= TURNS; turn++) {
              const outcome = await client.result(await client.send(id, `turn ${turn} of ${id}`), {
                timeoutMs: 120_000,
              });
              if (outcome.status !== 'idle' || outcome.turn?.text !== `Answer to turn ${turn}.`) {
                problems.push(`${id} turn ${turn}: ${outcome.status}`);
              }
            }
          } catch (error) {
            problems.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
          }
          finished++;
          if (finished % 50 === 0) ctx.log(`  ${finished} conversations done`);
        }
      }),
    );
    let done = false;
    void drive.finally(() => (done = true));

    // A kill every 1-3 s while at least two workers are up; the replacement starts at once and
    // joins when ready (a process start takes seconds on two busy cores).
    const kills: number[] = [];
    /** When each killed worker (by its lease owner id, `w-<pid>`) was killed. */
    const killedAt = new Map<string, number>();
    const slots: Array<NodeChild | undefined> = [...live];
    const restarts: Array<Promise<void>> = [];
    const killer = (async () => {
      while (!done) {
        const wait = random.int(KILL_EVERY_MS[0], KILL_EVERY_MS[1]);
        await until(() => done, wait, 50);
        const up = slots.flatMap((child, i) => (child ? [i] : []));
        if (done || up.length < 2) continue;
        const index = random.pick(up);
        const victim = slots[index]!;
        slots[index] = undefined;
        if (victim.hasExited()) {
          problems.push(`worker ${victim.pid} exited by itself: ${victim.stderr()}`);
        } else {
          kills.push(Date.now());
          killedAt.set(`w-${victim.pid}`, Date.now());
          await victim.kill();
        }
        restarts.push(
          start().then((child) => {
            slots[index] = child;
            live.push(child);
          }),
        );
      }
    })();
    await drive;
    await killer;
    await Promise.all(restarts);
    ctx.log(
      `  ${CONVERSATIONS} conversations done after ${Date.now() - started} ms, ${kills.length} kills`,
    );

    const counts = await client.queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'completed',
      'prioritized',
    );
    const idle = await until(
      async () => {
        const c = await client.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(c).every((n) => n === 0);
      },
      15_000,
      200,
    );
    f.check(idle, `jobs left behind: ${JSON.stringify(counts)}`);
    const final = await client.queue.getJobCounts('failed', 'completed');
    f.check(final.failed === 0, `${final.failed} jobs failed`);
    const expectedJobs = CONVERSATIONS * (TURNS + 1);
    f.check(
      final.completed === expectedJobs,
      `${final.completed} jobs completed, expected ${expectedJobs}`,
    );

    const histories: string[] = [];
    for (const id of ids) {
      const entry = await store.get<{
        snapshot: {
          value: unknown;
          context: { messages: Array<{ role: string; content: string }> };
        };
      }>(conversationKey(id));
      const messages = entry?.value.snapshot.context.messages ?? [];
      const users = messages.filter((m) => m.role === 'user').map((m) => m.content);
      const expected = Array.from({ length: TURNS }, (_, t) => `turn ${t + 1} of ${id}`);
      const roles = messages.map((m) => m.role).join(',');
      const oneTurn = 'user,assistant,tool,assistant';
      if (JSON.stringify(users) !== JSON.stringify(expected))
        histories.push(`${id}: users ${JSON.stringify(users)}`);
      else if (roles !== Array.from({ length: TURNS }, () => oneTurn).join(','))
        histories.push(`${id}: ${roles}`);
      const lease = await store.get<LeaseRecord>(leaseKey(id));
      if (lease?.value.owner !== null || lease.value.done !== TURNS + 1) {
        histories.push(`${id}: lease ${JSON.stringify(lease?.value)}`);
      }
    }
    f.checkAll(histories, 'conversations without exactly their turns in order');
    f.checkAll(problems, 'actions that did not end as expected');

    const executions = await redis.hgetall(`${name}:executions`);
    const violations = await redis.hgetall(`${name}:violations`);
    const calls = Object.keys(executions).length;
    const runs = Object.values(executions).reduce((sum, n) => sum + Number(n), 0);
    f.check(
      Object.keys(violations).length === 0,
      `tool calls run again after their result was stored: ${JSON.stringify(violations)}`,
    );
    f.check(
      calls === CONVERSATIONS * TURNS,
      `${calls} tool calls ran, expected ${CONVERSATIONS * TURNS}`,
    );

    // From the kill of a worker to each action taken over from it: the `at` of the resumed
    // action-start, whose `takenOverFrom` names the worker that held the action before.
    const resumeMs: number[] = [];
    for (const id of ids) {
      const raw = await redis.xrange(`bull:${name}:conversation:${id}:events`, '-', '+');
      for (const [, fields] of raw) {
        const data = fields[fields.indexOf('d') + 1] ?? '';
        if (!data.includes('"type":"action-start"') || !data.includes('"resumed":true')) continue;
        const { at, takenOverFrom } = JSON.parse(data) as { at: number; takenOverFrom?: string };
        const kill = takenOverFrom === undefined ? undefined : killedAt.get(takenOverFrom);
        if (kill !== undefined) resumeMs.push(at - kill);
      }
    }
    resumeMs.sort((a, b) => a - b);
    const p50 = percentile(resumeMs, 50);
    const p99 = percentile(resumeMs, 99);

    f.tried.push(
      `${CONVERSATIONS} conversations of ${TURNS} turns (a tool call each), ${IN_FLIGHT} at a time, through createConversationClient to ${WORKERS} worker processes (createConversationWorker, lease ${LEASE_MS} ms, ${options.storeLabel}); a random worker SIGKILLed every ${KILL_EVERY_MS[0] / 1000}-${KILL_EVERY_MS[1] / 1000} s while two or more were up, and restarted at once; Redis ${REDIS_URL}; seed ${seed}`,
    );
    f.tried.push(`${kills.length} kills; ${stalled} stalled jobs found by BullMQ`);
    f.survived.push(
      `${CONVERSATIONS - histories.length} of ${CONVERSATIONS} conversations with exactly their ${TURNS} turns in order and the lease released; ${final.completed} jobs completed, ${final.failed} failed, none left waiting or active`,
    );
    f.survived.push(
      `${calls} tool calls run ${runs} times: ${runs - calls} ran again because their result was not stored yet, ${Object.keys(violations).length} with a stored result`,
    );
    f.survived.push(
      `${resumeMs.length} actions taken over from a killed worker; from its kill to the takeover p50 ${p50} ms, p99 ${p99} ms (lease ${LEASE_MS} ms, lock ${LEASE_MS / 2} ms, stalled check every ${LEASE_MS / 4} ms, leases of actions in progress watched by every worker)`,
    );
    Object.assign(f.facts, {
      conversations: CONVERSATIONS,
      turns: TURNS,
      workers: WORKERS,
      kills: kills.length,
      stalled,
      takeovers: resumeMs.length,
      resumeP50Ms: p50,
      resumeP99Ms: p99,
      toolCalls: calls,
      toolRuns: runs,
      storedResultReruns: Object.keys(violations).length,
    });
    return { name: options.name, title: options.title, seed, ...f };
  } finally {
    await Promise.all(live.map((child) => child.kill()));
    await queueEvents.close();
    await client.close();
    redis.disconnect();
    await emulator.close();
    await deleteQueueKeys(REDIS_URL, [name]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const chaos: ChaosRun = {
  name: 'conversations',
  title: `${CONVERSATIONS} conversations of ${TURNS} turns on ${WORKERS} conversation worker processes (Redis store), workers SIGKILLed at random and restarted`,
  budgetMs: 5 * 60_000,
  async run(ctx) {
    const name = `mf-chaos-conversations-${process.pid}`;
    const namespace = `bull:${name}:store:`;
    const store = new RedisStore({ url: REDIS_URL, namespace });
    try {
      return await runConversationChaos({
        ctx,
        name: this.name,
        queue: name,
        title: this.title,
        seedOffset: 8,
        storeKind: 'redis',
        storeTarget: namespace,
        store,
        storeLabel: 'RedisStore',
      });
    } finally {
      await store.close();
    }
  },
};
