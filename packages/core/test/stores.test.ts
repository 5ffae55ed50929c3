import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FileStore,
  InvalidArgumentError,
  JsonText,
  MemoryStore,
  StoreError,
  defaultStore,
} from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { encodeValue } from '../src/store/store.js';
import { describeStoreContract } from './store-contract.js';
import { runWriters } from './store-writers.js';

const dir = mkdtempSync(join(tmpdir(), 'mistral-flows-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreContract('MemoryStore', () => new MemoryStore());
describeStoreContract('FileStore', () => new FileStore({ dir: join(dir, `files-${n++}`) }));
describeStoreContract(
  'SqliteStore',
  () => new SqliteStore({ path: join(dir, `contract-${n++}.db`) }),
);

describe('JsonText', () => {
  it('serialises as its value wherever JSON.stringify meets it (stores that do not know it)', () => {
    expect(JSON.stringify({ a: new JsonText('{"b":[1,"x"]}') })).toBe('{"a":{"b":[1,"x"]}}');
  });

  it('is written as its text, not serialised again (every store encodes through encodeValue)', () => {
    expect(encodeValue('k', new JsonText(' { "b" : [1] } '))).toBe(' { "b" : [1] } ');
    expect(encodeValue('k', { b: [1] })).toBe('{"b":[1]}');
  });

  it('is recognised when another copy of the package made it', () => {
    const fromOtherCopy = { [Symbol.for('mistral-flows.JsonText')]: true, text: '[3]' };
    expect(JsonText.isInstance(fromOtherCopy)).toBe(true);
    expect(encodeValue('k', fromOtherCopy)).toBe('[3]');
    expect(JsonText.isInstance({ text: '[3]' })).toBe(false);
    expect(JsonText.isInstance(new JsonText('[3]'))).toBe(true);
  });

  it('rejects what is not a string', () => {
    expect(() => new JsonText(5 as unknown as string)).toThrow(InvalidArgumentError);
  });
});

describe('SqliteStore', () => {
  it('keeps data across reopening the file, in WAL mode', async () => {
    const path = join(dir, 'durable.db');
    const first = new SqliteStore({ path });
    await first.set('conv:1', { history: ['hi'] });
    await first.close();
    const second = new SqliteStore({ path });
    expect(await second.get('conv:1')).toEqual({
      key: 'conv:1',
      value: { history: ['hi'] },
      version: 1,
    });
    await second.close();
  });

  it('shares one file between two instances (as two processes would)', async () => {
    const path = join(dir, 'shared.db');
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await a.set('k', 1);
    await expect(b.set('k', 2, { ifVersion: 0 })).rejects.toMatchObject({ code: 'store_conflict' });
    expect((await b.get('k'))?.value).toBe(1);
    await a.close();
    await b.close();
  });

  it('rejects a table name that is not a plain identifier', () => {
    expect(() => new SqliteStore({ table: 'x; DROP TABLE y' })).toThrow(/table/);
  });
});

describe('SqliteStore opened by many processes at once', () => {
  it('opens a file another connection is busy writing, instead of failing with SQLITE_BUSY', async () => {
    const path = join(dir, 'busy.db');
    const writer = new SqliteStore({ path });
    const stores = Array.from({ length: 20 }, () => new SqliteStore({ path }));
    await Promise.all(stores.map((s, i) => s.set(`k${i}`, i)));
    expect((await writer.list('k')).length).toBe(20);
    for (const s of [writer, ...stores]) await s.close();
  });
});

describe('SqliteStore shared by several processes', () => {
  it('loses no write: writers wait for each other instead of failing with SQLITE_BUSY', async () => {
    const path = join(dir, 'processes.db');
    const writers = 3;
    const count = 300;
    const reports = await runWriters('sqlite', path, writers, count);
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    expect(reports.map((r) => r.written)).toEqual(Array(writers).fill(count));
    const store = new SqliteStore({ path });
    try {
      for (let i = 0; i < writers; i++) expect((await store.list(`w${i}:`)).length).toBe(count);
      // Every compare-and-set increment of the shared counter landed exactly once.
      expect((await store.get('counter'))?.value).toBe(writers * count);
      expect(reports.reduce((n, r) => n + r.increments, 0)).toBe(writers * count);
    } finally {
      await store.close();
    }
  });
});

describe('FileStore shared by several processes', () => {
  it('loses no write: three processes write their own keys and one shared counter by compare-and-set', async () => {
    const path = join(dir, 'processes-files');
    const writers = 3;
    const count = 100;
    const reports = await runWriters('file', path, writers, count);
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    expect(reports.map((r) => r.written)).toEqual(Array(writers).fill(count));
    const store = new FileStore({ dir: path });
    for (let i = 0; i < writers; i++) {
      const own = await store.list<{ writer: string; i: number }>(`w${i}:`);
      expect(own.length).toBe(count);
      expect(own.every((e) => e.value.writer === `w${i}` && e.version === 1)).toBe(true);
    }
    // Every compare-and-set increment of the shared counter landed exactly once.
    expect(await store.get('counter')).toMatchObject({
      value: writers * count,
      version: writers * count,
    });
    expect(reports.reduce((n, r) => n + r.increments, 0)).toBe(writers * count);
    // Nothing left behind: no lock and no temporary file.
    expect(readdirSync(path).filter((name) => !name.endsWith('.json'))).toEqual([]);
  });
});

describe('FileStore', () => {
  it('keeps one readable JSON file per key and reads it back after reopening', async () => {
    const path = join(dir, 'reopen');
    const first = new FileStore({ dir: path });
    await first.set('conv:1', { history: ['hi'] });
    await first.set('Conv:1', 'upper case is another key');
    await first.close();
    const second = new FileStore({ dir: path });
    expect(await second.get('conv:1')).toEqual({
      key: 'conv:1',
      value: { history: ['hi'] },
      version: 1,
    });
    expect((await second.get('Conv:1'))?.value).toBe('upper case is another key');
    expect(readdirSync(path).sort()).toEqual(['.43onv.3a1.json', 'conv.3a1.json']);
    expect(JSON.parse(readFileSync(join(path, 'conv.3a1.json'), 'utf8'))).toEqual({
      key: 'conv:1',
      version: 1,
      value: { history: ['hi'] },
    });
  });

  it('takes over the lock of a process that died holding it', async () => {
    const path = join(dir, 'dead-owner');
    const store = new FileStore({ dir: path, lockTimeoutMs: 2_000 });
    await store.set('k', 1);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(
      join(path, 'k.lock'),
      JSON.stringify({ pid: dead, host: hostname(), token: 'x' }),
    );
    expect(await store.set('k', 2, { ifVersion: 1 })).toMatchObject({ version: 2 });
    expect(existsSync(join(path, 'k.lock'))).toBe(false);
  });

  it('takes over a lock older than staleLockMs, whoever holds it', async () => {
    const path = join(dir, 'old-lock');
    const store = new FileStore({ dir: path, staleLockMs: 1_000 });
    await store.set('k', 1);
    const lock = join(path, 'k.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), token: 'x' }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(await store.set('k', 2)).toMatchObject({ version: 2 });
  });

  it('waits a bounded time for a live lock, then fails with a typed store_busy error', async () => {
    const path = join(dir, 'busy');
    const store = new FileStore({ dir: path, lockTimeoutMs: 100 });
    await store.set('k', 1);
    writeFileSync(
      join(path, 'k.lock'),
      JSON.stringify({ pid: process.pid, host: hostname(), token: 'x' }),
    );
    const error = await store.set('k', 2).catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'store_busy', key: 'k' });
    expect((await store.get('k'))?.value).toBe(1);
    rmSync(join(path, 'k.lock'));
    expect(await store.set('k', 3)).toMatchObject({ version: 2 });
  });

  it('reports a damaged entry file as store_corrupt, not as a missing key', async () => {
    const path = join(dir, 'corrupt');
    const store = new FileStore({ dir: path });
    await store.set('k', 1);
    writeFileSync(join(path, 'k.json'), '{"key":"k","vers');
    await expect(store.get('k')).rejects.toMatchObject({ code: 'store_corrupt', key: 'k' });
  });

  it('lists nothing and reads nothing from a directory that does not exist yet', async () => {
    const store = new FileStore({ dir: join(dir, 'not-yet') });
    expect(await store.list('')).toEqual([]);
    expect(await store.get('k')).toBeUndefined();
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
  });
});

describe('defaultStore', () => {
  it('is one FileStore per process, in .mistral-flows/store under the working directory', () => {
    expect(defaultStore()).toBe(defaultStore());
    expect(defaultStore()).toBeInstanceOf(FileStore);
    expect(defaultStore().dir).toBe(join(process.cwd(), '.mistral-flows', 'store'));
  });
});
