import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConversationClient, type ConversationLogEvent } from '@mistral-flows/queue';
import { createTestSchema, deleteQueueKeys } from '@mistral-flows/testing';
import { Redis } from 'ioredis';
import { childScript, spawnNode, type NodeChild } from '../chaos/node-child.js';
import { format, measurement, type Benchmark, type BenchContext } from '../harness.js';
import { REDIS_URL } from '../redis.js';

/** The PostgreSQL the Postgres half uses (`DATABASE_URL` overrides). */
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LEASE_MS = 2_000;
const WORKERS = 3;
/** Kills per round and store. */
const KILLS = 5;

const scenarios = {
  rules: [
    { match: { lastUserMessage: '^hang', step: 1 }, toolCalls: [{ name: 'hang', arguments: {} }] },
    { match: { lastUserMessage: '^hang', step: 2 }, text: 'Taken over.' },
  ],
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface StoreSetup {
  kind: 'redis' | 'postgres';
  target: string;
  drop(): Promise<void>;
  /** Workers without the watch of other workers' leases: the takeover waits for BullMQ. */
  noWatch?: boolean;
}

/**
 * `rounds x KILLS` times: a turn whose tool hangs on one of `WORKERS` worker processes, that
 * worker SIGKILLed, and the time until another worker starts the action again (the `at` of its
 * resumed `action-start`, whose `takenOverFrom` names the killed worker). One kill at a time, on
 * an otherwise idle queue: the time a takeover takes, not the time a busy machine adds to it.
 */
async function takeovers(
  ctx: BenchContext,
  setup: StoreSetup,
  emulatorUrl: string,
  rounds: number,
): Promise<number[]> {
  const label = `${setup.kind}${setup.noWatch ? ' without the watch' : ''}`;
  const name = `mf-bench-takeover-${setup.kind}${setup.noWatch ? '-nowatch' : ''}-${process.pid}`;
  const redis = new Redis(REDIS_URL);
  const client = createConversationClient({ connection: { url: REDIS_URL }, name });
  const script = childScript('bench-conversation-worker');
  const args = [REDIS_URL, name, emulatorUrl, setup.kind, setup.target, String(LEASE_MS)];
  if (setup.noWatch) args.push('no-watch');
  const workers = new Map<string, NodeChild>();
  const start = async (): Promise<void> => {
    const child = spawnNode(script, args);
    const ready = await child.waitForLine((l) => l.startsWith('ready'), 30_000);
    if (!ready) throw new Error(`a takeover worker did not start: ${child.stderr()}`);
    workers.set(ready.split(' ')[2]!, child);
  };
  const times: number[] = [];
  try {
    await client.ready();
    await Promise.all(Array.from({ length: WORKERS }, start));
    for (let i = 0; i < rounds * KILLS; i++) {
      const id = `takeover-${i}`;
      await client.result(await client.create({ id }), { timeoutMs: 30_000 });
      const sent = await client.send(id, `hang ${i}`);
      const hanging = await redis.blpop(`${name}:hanging`, 30);
      if (!hanging) throw new Error(`no worker ran the hanging tool of ${id}`);
      const [workerId] = hanging[1].split(' ') as [string];
      const victim = workers.get(workerId);
      if (!victim) throw new Error(`unknown worker ${workerId}`);
      workers.delete(workerId);
      const killedAt = Date.now();
      await victim.kill();
      const replacement = start();
      const outcome = await client.result(sent, { timeoutMs: 60_000 });
      if (outcome.status !== 'idle') throw new Error(`${id} ended ${outcome.status}`);
      const log = await redis.xrange(`bull:${name}:conversation:${id}:events`, '-', '+');
      const resumed = log
        .map(([, fields]) => JSON.parse(fields[fields.indexOf('d') + 1] ?? 'null') as unknown)
        .find(
          (event): event is Extract<ConversationLogEvent, { type: 'action-start' }> =>
            (event as ConversationLogEvent).type === 'action-start' &&
            (event as { resumed?: boolean }).resumed === true,
        );
      if (resumed?.takenOverFrom !== workerId) {
        throw new Error(`${id}: no action-start taken over from ${workerId}`);
      }
      times.push(resumed.at - killedAt);
      ctx.log(`  ${label}: kill ${i + 1}, taken over after ${resumed.at - killedAt} ms`);
      await replacement;
    }
    return times;
  } finally {
    await Promise.all([...workers.values()].map((child) => child.kill()));
    await client.close();
    redis.disconnect();
    await deleteQueueKeys(REDIS_URL, [name]);
    await setup.drop();
  }
}

export const benchmark: Benchmark = {
  name: 'takeover',
  title: `Conversation takeover: from a worker's SIGKILL to its action resumed on another worker (lease ${LEASE_MS} ms, ${WORKERS} worker processes)`,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-takeover-'));
    const scenarioFile = join(dir, 'scenarios.json');
    writeFileSync(scenarioFile, JSON.stringify(scenarios));
    const emulator = await ctx.startEmulator(['--scenarios', scenarioFile]);
    try {
      const rounds = ctx.rounds;
      const storeName = (suffix: string) => `mf-bench-takeover-store${suffix}-${process.pid}`;
      const unwatchedTimes = await takeovers(
        ctx,
        {
          kind: 'redis',
          target: `bull:${storeName('-nowatch')}:`,
          drop: () => deleteQueueKeys(REDIS_URL, [storeName('-nowatch')]),
          noWatch: true,
        },
        emulator.url,
        rounds,
      );
      const redisTimes = await takeovers(
        ctx,
        {
          kind: 'redis',
          target: `bull:${storeName('')}:`,
          drop: () => deleteQueueKeys(REDIS_URL, [storeName('')]),
        },
        emulator.url,
        rounds,
      );
      const schema = await createTestSchema(DATABASE_URL);
      const postgresTimes = await takeovers(
        ctx,
        {
          kind: 'postgres',
          target: `${DATABASE_URL}#${schema.name}.store`,
          drop: () => schema.drop(),
        },
        emulator.url,
        rounds,
      );
      const goal = LEASE_MS + 1_000;
      const rows = [
        ['RedisStore', redisTimes],
        ['PostgresStore', postgresTimes],
      ] as const;
      return {
        name: 'takeover',
        title: this.title,
        measurements: [...rows, ['RedisStore, lease watch off', unwatchedTimes] as const].flatMap(
          ([store, times]) => [
            measurement(store, 'takeover p50', 'ms', [percentile(times, 50)]),
            measurement(store, 'takeover p99', 'ms', [percentile(times, 99)]),
          ],
        ),
        goals: rows.map(([store, times]) => ({
          name: `${store}: from a SIGKILL to the takeover, p99`,
          target: `<= ${goal} ms (lease + 1 s)`,
          actual: `${format(percentile(times, 99))} ms`,
          met: percentile(times, 99) <= goal,
        })),
        notes: [
          `${rounds * KILLS} kills per store, one at a time: a turn's tool hangs on a worker, which is SIGKILLed; the time runs to the \`at\` of the action's resumed \`action-start\` on another worker. Lease ${LEASE_MS} ms, lock ${LEASE_MS / 2} ms, stalled check every ${LEASE_MS / 4} ms; workers watch the leases of actions in progress.`,
          `Samples (ms): Redis ${redisTimes.join(', ')}; Postgres ${postgresTimes.join(', ')}; Redis with the lease watch off (\`watchLeases: false\`, the takeover then waits for BullMQ's stalled-job check and a whole lease) ${unwatchedTimes.join(', ')}.`,
        ],
      };
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
