import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConversation } from '@mistral-flows/agents';
import { createClient, mapConcurrent, type Store } from '@mistral-flows/core';
import { PostgresStore } from '@mistral-flows/core/postgres';
import { RedisStore } from '@mistral-flows/core/redis';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { createConversationClient, createConversationWorker } from '@mistral-flows/queue';
import { createTestSchema, deleteQueueKeys } from '@mistral-flows/testing';
import { alternate, format, measurement, median, type Benchmark } from '../harness.js';
import { REDIS_URL } from '../redis.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Turns per round and contender: 10 conversations of 5 turns. */
const CONVERSATIONS = 10;
const TURNS = 5;
/** Store writes per round and store, at each concurrency. */
const WRITES = 2_000;
const VALUE = { text: 'x'.repeat(1_000), n: 0 };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Median time of one turn, over `CONVERSATIONS` conversations of `TURNS` turns, one at a time. */
async function turnLatency(run: (id: string, turn: number) => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let c = 0; c < CONVERSATIONS; c++) {
    const id = `bench-${Date.now()}-${c}`;
    for (let t = 1; t <= TURNS; t++) {
      const start = performance.now();
      await run(id, t);
      times.push(performance.now() - start);
    }
  }
  return median(times);
}

/**
 * p50 latency of a compare-and-set write of a 1 KB value, `WRITES` writes on distinct keys with
 * `concurrency` in flight; returns [p50, p99].
 */
async function writeLatency(store: Store, concurrency: number): Promise<[number, number]> {
  const prefix = `bench-${Date.now()}-${concurrency}-`;
  const times: number[] = [];
  const settled = await mapConcurrent(
    Array.from({ length: WRITES }, (_, i) => i),
    async (i) => {
      const start = performance.now();
      await store.set(`${prefix}${i % 200}-${Math.floor(i / 200)}`, VALUE, { ifVersion: 0 });
      times.push(performance.now() - start);
    },
    { concurrency },
  );
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed)
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  return [percentile(times, 50), percentile(times, 99)];
}

export const benchmark: Benchmark = {
  name: 'conversations',
  title:
    'Distributed conversations: time a turn adds through the queue (client -> BullMQ -> worker -> event log) against in-process createConversation, and store write latency (Postgres, Redis, SQLite)',
  async run(ctx) {
    const emulator = await ctx.startEmulator(['--ttft-ms', '0', '--token-ms', '0']);
    const name = `mf-bench-conversations-${process.pid}`;
    const namespace = `bull:${name}:store:`;
    const redisStore = new RedisStore({ url: REDIS_URL, namespace });
    const client = createClient({ serverURL: emulator.url, apiKey: 'bench' });
    const worker = createConversationWorker({
      connection: { url: REDIS_URL },
      name,
      client,
      store: redisStore,
      model: 'mistral-small-latest',
      streaming: false,
      orderRetryMs: 20,
    });
    const conversations = createConversationClient({ connection: { url: REDIS_URL }, name });
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-conversations-'));
    const schema = await createTestSchema(DATABASE_URL);
    const stores: Record<string, Store> = {
      PostgresStore: new PostgresStore({
        connectionString: DATABASE_URL,
        table: `${schema.name}.store`,
      }),
      RedisStore: redisStore,
      SqliteStore: new SqliteStore({ path: join(dir, 'bench.db') }),
    };
    try {
      await worker.ready();
      await conversations.ready();
      const local = new Map<string, ReturnType<typeof createConversation>>();
      const turns = await alternate(
        {
          'createConversation (in process, RedisStore)': () =>
            turnLatency(async (id, turn) => {
              let chat = local.get(id);
              if (!chat) {
                chat = createConversation({
                  client,
                  model: 'mistral-small-latest',
                  store: redisStore,
                  id: `local-${id}`,
                  streaming: false,
                });
                local.set(id, chat);
              }
              await chat.send(`question ${turn}`);
              if (turn === TURNS) await chat.close();
            }),
          'conversation client -> worker (RedisStore)': () =>
            turnLatency(async (id, turn) => {
              if (turn === 1) await conversations.result(await conversations.create({ id }));
              await conversations.result(await conversations.send(id, `question ${turn}`));
            }),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: (line) => ctx.log(line) },
      );
      const inProcess = turns['createConversation (in process, RedisStore)']!;
      const distributed = turns['conversation client -> worker (RedisStore)']!;
      const added = distributed.map((value, i) => value - inProcess[i]!);

      const writes: Record<string, { p50: number[]; p99: number[] }> = {};
      for (const concurrency of [1, 50]) {
        for (const [storeName, store] of Object.entries(stores)) {
          const key = `${storeName} at concurrency ${concurrency}`;
          writes[key] = { p50: [], p99: [] };
          for (let round = 0; round < ctx.warmup + ctx.rounds; round++) {
            const [p50, p99] = await writeLatency(store, concurrency);
            if (round >= ctx.warmup) {
              writes[key].p50.push(p50);
              writes[key].p99.push(p99);
            }
            ctx.log(`  ${key}: p50 ${format(p50)} ms, p99 ${format(p99)} ms`);
          }
        }
      }
      const addedMs = median(added);
      return {
        name: 'conversations',
        title: this.title,
        measurements: [
          measurement('createConversation (in process)', 'turn p50', 'ms', inProcess),
          measurement('client -> BullMQ -> worker', 'turn p50', 'ms', distributed),
          measurement('added by the distributed path', 'turn p50', 'ms', added),
          ...Object.entries(writes).flatMap(([key, w]) => [
            measurement(key, 'CAS write p50', 'ms', w.p50),
            measurement(key, 'CAS write p99', 'ms', w.p99),
          ]),
        ],
        goals: [
          {
            name: 'time a turn adds on the distributed path (p50)',
            target: '<= 2 ms',
            actual: `${format(addedMs)} ms`,
            met: addedMs <= 2,
          },
        ],
        notes: [
          `${CONVERSATIONS} conversations of ${TURNS} turns per round and contender, one turn at a time, emulator answering at once (no streaming); the distributed path is one worker in this process, Redis on this machine.`,
          `Store writes: ${WRITES} compare-and-set writes of a 1 KB value on distinct keys per round; Postgres and Redis on this machine, SQLite in a temporary file.`,
        ],
      };
    } finally {
      await conversations.close();
      await worker.close();
      for (const store of Object.values(stores)) await store.close();
      await schema.drop();
      await emulator.close();
      await deleteQueueKeys(REDIS_URL, [name]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
