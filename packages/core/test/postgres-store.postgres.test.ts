import { createTestSchema, usePostgres, waitFor } from '@mistral-flows/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, StoreError } from '../src/index.js';
import { PostgresStore } from '../src/postgres.js';
import { describeStoreContract } from './store-contract.js';
import { runWriters } from './store-writers.js';

const postgres = await usePostgres();
let schema: Awaited<ReturnType<typeof createTestSchema>>;
let n = 0;

describe.skipIf(!postgres.available)('PostgresStore', () => {
  beforeAll(async () => {
    schema = await createTestSchema(postgres.url);
  });
  afterAll(async () => {
    await schema?.drop();
  });

  describeStoreContract(
    'PostgresStore',
    () =>
      new PostgresStore({ connectionString: postgres.url, table: `${schema.name}.store_${n++}` }),
  );

  it('loses no write: three processes write their own keys and one shared counter by compare-and-set', async () => {
    const table = `${schema.name}.processes`;
    const writers = 3;
    const count = 100;
    const reports = await runWriters('postgres', postgres.url, writers, count, table);
    expect(reports.flatMap((r) => r.errors)).toEqual([]);
    expect(reports.map((r) => r.written)).toEqual(Array(writers).fill(count));
    const store = new PostgresStore({ connectionString: postgres.url, table });
    try {
      for (let i = 0; i < writers; i++) expect((await store.list(`w${i}:`)).length).toBe(count);
      // Every compare-and-set increment of the shared counter landed exactly once.
      expect(await store.get('counter')).toMatchObject({
        value: writers * count,
        version: writers * count,
      });
      expect(reports.reduce((n, r) => n + r.increments, 0)).toBe(writers * count);
    } finally {
      await store.close();
    }
  });

  it('creates its table while another process creates the same table (the second CREATE waits, then finds the type taken)', async () => {
    const table = `${schema.name}.raced`;
    const other = new pg.Client({ connectionString: postgres.url });
    const watcher = new pg.Client({ connectionString: postgres.url });
    await other.connect();
    await watcher.connect();
    const store = new PostgresStore({ connectionString: postgres.url, table });
    try {
      // Another process is creating the table: its transaction holds the new type's name.
      await other.query('BEGIN');
      await other.query(
        `CREATE TABLE ${table} (key text COLLATE "C" PRIMARY KEY, value text NOT NULL, version bigint NOT NULL)`,
      );
      const written = store.set('k', { n: 1 });
      // This store's CREATE TABLE IF NOT EXISTS is now waiting for that transaction.
      await waitFor(
        async () =>
          Number(
            (
              await watcher.query<{ n: string }>(
                `SELECT count(*) AS n FROM pg_stat_activity
                 WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE TABLE IF NOT EXISTS%'`,
              )
            ).rows[0]?.n,
          ) > 0,
        { what: 'the store waiting to create its table' },
      );
      await other.query('COMMIT');
      await expect(written).resolves.toMatchObject({ key: 'k', version: 1 });
      expect(await store.get('k')).toMatchObject({ value: { n: 1 }, version: 1 });
    } finally {
      await other.end();
      await watcher.end();
      await store.close();
    }
  });

  it('names a type that takes the table name in a typed error, rather than taking it for the table', async () => {
    const table = `${schema.name}.typed`;
    const other = new pg.Client({ connectionString: postgres.url });
    await other.connect();
    const store = new PostgresStore({ connectionString: postgres.url, table });
    try {
      await other.query(`CREATE TYPE ${table} AS (a int)`);
      const failure = await store.set('k', 1).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(StoreError.isInstance(failure)).toBe(true);
      expect((failure as StoreError).code).toBe('store_io');
      expect((failure as Error).message).toMatch(/"typed" is a composite type/);
    } finally {
      await other.end();
      await store.close();
    }
  });

  it('uses a pool it is given without closing it, and keeps the JSON text as written', async () => {
    const pool = new pg.Pool({ connectionString: postgres.url });
    const store = new PostgresStore({ pool, table: `${schema.name}.shared_pool` });
    await store.set('k', { b: 1, a: [1, 2] });
    await store.close();
    const { rows } = await pool.query<{ value: string }>(
      `SELECT value FROM "${schema.name}"."shared_pool" WHERE key = 'k'`,
    );
    expect(rows[0]?.value).toBe('{"b":1,"a":[1,2]}');
    await pool.end();
  });

  it('treats LIKE characters in a prefix literally', async () => {
    const store = new PostgresStore({
      connectionString: postgres.url,
      table: `${schema.name}.like`,
    });
    try {
      for (const key of ['a%b', 'a_b', 'axb', 'a\\b']) await store.set(key, key);
      expect((await store.list('a%')).map((e) => e.key)).toEqual(['a%b']);
      expect((await store.list('a_')).map((e) => e.key)).toEqual(['a_b']);
      expect((await store.list('a\\')).map((e) => e.key)).toEqual(['a\\b']);
    } finally {
      await store.close();
    }
  });

  it('refuses a table name that is not an identifier, and names an unreachable server in a typed error', async () => {
    expect(() => new PostgresStore({ table: 'x; DROP TABLE y' })).toThrow(InvalidArgumentError);
    const store = new PostgresStore({
      connectionString: 'postgres://nobody:secret-password@127.0.0.1:1/none',
      table: 'store',
    });
    try {
      const error = await store.get('k').catch((e: unknown) => e);
      expect(StoreError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'store_io' });
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
      expect((error as Error).message).not.toContain('secret-password');
    } finally {
      await store.close();
    }
  });
});
