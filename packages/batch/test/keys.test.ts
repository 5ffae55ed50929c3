import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, MemoryStore } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { Mistral } from '@mistralai/mistralai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchError,
  KEY_METADATA,
  resumeBatch,
  runBatch,
  type BatchRequest,
} from '../src/index.js';
import { manifestPath } from '../src/run/paths.js';

const model = 'mistral-small-latest';
const poll = { initialMs: 10, maxMs: 50, multiplier: 1.5 };
let emulator: Emulator;
let client: Mistral;
let workDir: string;

beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'mf-batch-keys-'));
  emulator = await startEmulator({});
  client = new Mistral({ serverURL: emulator.url });
});
afterEach(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

const requests = (prefix: string, n = 4): BatchRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    customId: `${prefix}-${i}`,
    body: { messages: [{ role: 'user', content: `Summarize ${prefix} item ${i}.` }] },
  }));

const jobsOf = (key: string) => emulator.stats().jobsByMetadata[KEY_METADATA]?.[key] ?? 0;

describe('batch keys', () => {
  it.each([
    ['team/a', 'team_a'],
    ['Team A', 'Team_A'],
    ['a:b', 'a;b'],
  ])(
    'gives keys that differ only in punctuation (%j, %j) their own files and jobs',
    async (first, second) => {
      const store = new MemoryStore();
      const options = { client, model, store, workDir, poll, inlineMaxRequests: 0 };
      const a = await runBatch({ ...options, key: first, requests: requests('a') }).done;
      const b = await runBatch({ ...options, key: second, requests: requests('b') }).done;
      expect(a.status).toBe('succeeded');
      expect(b.status).toBe('succeeded');
      expect([...a.results!.keys()].sort()).toEqual(['a-0', 'a-1', 'a-2', 'a-3']);
      // The second batch has its own answers, not the first batch's.
      expect([...b.results!.keys()].sort()).toEqual(['b-0', 'b-1', 'b-2', 'b-3']);
      expect(b.jobs.map((j) => j.id)).not.toEqual(a.jobs.map((j) => j.id));
      expect([jobsOf(first), jobsOf(second)]).toEqual([1, 1]);
      expect(emulator.stats().requests['POST /v1/files']).toBe(2);
      // Two manifests, two inputs, two outputs: no file shared.
      expect(readdirSync(workDir).filter((f) => f.endsWith('.shards.json'))).toHaveLength(2);
      expect(readdirSync(workDir).filter((f) => f.endsWith('.output.jsonl'))).toHaveLength(2);
    },
  );

  it("refuses a stored state recorded under another batch's key, with a typed error", async () => {
    const store = new MemoryStore();
    const options = { client, model, store, workDir, poll };
    await runBatch({ ...options, key: 'mine', requests: requests('m') }).done;
    const mine = await store.get('batch:mine');
    await store.set('batch:theirs', mine!.value);
    const error = await resumeBatch('theirs', options).catch((e: unknown) => e);
    expect(BatchError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'batch_key_mismatch' });
    expect((error as Error).message).toContain('"mine"');
    expect(emulator.stats().jobsCreated).toBe(1);
  });

  it("refuses a work-dir manifest that records another batch's key, before any upload", async () => {
    const store = new MemoryStore();
    writeFileSync(
      manifestPath(workDir, 'theirs'),
      JSON.stringify({
        format: 2,
        key: 'mine',
        shards: [{ key: 'mine', index: 0, lines: 4, bytes: 100 }],
      }),
    );
    const outcome = await runBatch({
      client,
      model,
      store,
      workDir,
      poll,
      key: 'theirs',
      requests: requests('t'),
    }).done;
    expect(outcome.status).toBe('failed');
    expect(BatchError.isInstance(outcome.error)).toBe(true);
    expect(outcome.error).toMatchObject({ code: 'batch_key_mismatch' });
    expect(emulator.stats().jobsCreated).toBe(0);
    expect(emulator.stats().requests['POST /v1/files'] ?? 0).toBe(0);
  });

  it('refuses a key that ends like the key of a shard', () => {
    expect(() =>
      runBatch({ client, model, workDir, key: 'nightly~1of2', requests: requests('s') }),
    ).toThrow(InvalidArgumentError);
  });
});
