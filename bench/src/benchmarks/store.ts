import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, type Store } from '@mistral-flows/core';
import { PostgresStore } from '@mistral-flows/core/postgres';
import { RedisStore } from '@mistral-flows/core/redis';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { createTestSchema } from '@mistral-flows/testing';
import { format, measurement, median, type Benchmark, type Measurement } from '../harness.js';
import { REDIS_URL } from '../redis.js';

const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Compare-and-set writes per writer and round. */
const WRITES = 200;
const CONCURRENCY = [1, 50] as const;

/** A conversation step as the agents package stores it: about 2 KB of JSON. */
function snapshot(step: number): Record<string, unknown> {
  return {
    status: 'active',
    value: 'idle',
    step,
    context: {
      messages: Array.from({ length: 8 }, (_, i) => ({
        role: i % 2 === 0 ? 'user' : 'assistant',
        content: `message ${i} of step ${step}: ${'lorem ipsum dolor sit amet '.repeat(6)}`,
      })),
    },
  };
}

interface Contender {
  name: string;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

const contenders: Contender[] = [
  {
    name: 'PostgresStore',
    async open() {
      const schema = await createTestSchema(POSTGRES_URL);
      const store = new PostgresStore({
        connectionString: POSTGRES_URL,
        table: `${schema.name}.store`,
      });
      return {
        store,
        async cleanup() {
          await store.close();
          await schema.drop();
        },
      };
    },
  },
  {
    name: 'RedisStore',
    async open() {
      const namespace = `bench-store-${randomBytes(4).toString('hex')}:`;
      const store = new RedisStore({ url: REDIS_URL, namespace });
      return {
        store,
        async cleanup() {
          for (const entry of await store.list('')) await store.delete(entry.key);
          await store.close();
        },
      };
    },
  },
  {
    name: 'SqliteStore (file)',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
      const store = new SqliteStore({ path: join(dir, 'store.db') });
      return {
        store,
        async cleanup() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'FileStore',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
      const store = new FileStore({ dir });
      return {
        store,
        async cleanup() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

/**
 * `concurrency` writers, each on its own key, each writing `WRITES` versions in turn with
 * compare-and-set (the version it read last), as a conversation worker does after every step.
 * Returns every write's latency in ms.
 */
async function writeLatencies(store: Store, concurrency: number, round: number): Promise<number[]> {
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, writer) => {
      const key = `round-${round}/c${concurrency}/writer-${writer}`;
      let version = 0;
      for (let i = 0; i < WRITES; i++) {
        const value = snapshot(i);
        const started = performance.now();
        const entry = await store.set(key, value, { ifVersion: version });
        latencies.push(performance.now() - started);
        version = entry.version;
      }
    }),
  );
  return latencies;
}

export const benchmark: Benchmark = {
  name: 'store',
  title: `Store compare-and-set write latency: PostgreSQL vs Redis vs SQLite vs files, ${WRITES} writes of a 2 KB step per writer, at concurrency ${CONCURRENCY.join(' and ')}`,
  async run(ctx) {
    const opened = [];
    for (const contender of contenders) opened.push({ ...contender, ...(await contender.open()) });
    // p50 and p99 of every round, per store and concurrency.
    const p50: Record<string, number[]> = {};
    const p99: Record<string, number[]> = {};
    const throughput: Record<string, number[]> = {};
    try {
      const total = ctx.warmup + ctx.rounds;
      for (let round = 0; round < total; round++) {
        for (const concurrency of CONCURRENCY) {
          // Rotate who goes first, so that drift spreads over every store.
          for (let i = 0; i < opened.length; i++) {
            const { name, store } = opened[(i + round) % opened.length]!;
            const started = performance.now();
            const latencies = await writeLatencies(store, concurrency, round);
            const seconds = (performance.now() - started) / 1000;
            latencies.sort((a, b) => a - b);
            const id = `${name} @${concurrency}`;
            ctx.log(
              `  ${round < ctx.warmup ? 'warm-up' : `round ${round - ctx.warmup + 1}`} ${id}: p50 ${format(percentile(latencies, 0.5))} ms, p99 ${format(percentile(latencies, 0.99))} ms`,
            );
            if (round < ctx.warmup) continue;
            (p50[id] ??= []).push(percentile(latencies, 0.5));
            (p99[id] ??= []).push(percentile(latencies, 0.99));
            (throughput[id] ??= []).push(latencies.length / seconds);
          }
        }
      }
    } finally {
      for (const entry of opened) await entry.cleanup();
    }
    const measurements: Measurement[] = [];
    for (const id of Object.keys(p50)) {
      measurements.push(
        measurement(id, 'write p50', 'ms', p50[id]!),
        measurement(id, 'write p99', 'ms', p99[id]!),
        measurement(id, 'writes per second', '1/s', throughput[id]!),
      );
    }
    const at = (name: string, concurrency: number) => median(p50[`${name} @${concurrency}`] ?? []);
    return {
      name: 'store',
      title: this.title,
      measurements,
      goals: [],
      notes: [
        `p50 at concurrency 1: PostgresStore ${format(at('PostgresStore', 1))} ms, RedisStore ${format(at('RedisStore', 1))} ms, SqliteStore ${format(at('SqliteStore (file)', 1))} ms, FileStore ${format(at('FileStore', 1))} ms; at 50: ${format(at('PostgresStore', 50))}, ${format(at('RedisStore', 50))}, ${format(at('SqliteStore (file)', 50))}, ${format(at('FileStore', 50))} ms.`,
        'Each write is a compare-and-set on the version read last, as after every settled step of a conversation; PostgreSQL, Redis and SQLite run on this machine (no network hop), so their figures are floors for a remote server.',
      ],
    };
  },
};
