import pg from 'pg';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { StoreConflictError } from '../errors/store-conflict-error.js';
import { StoreError } from '../errors/store-error.js';
import {
  assertKey,
  assertListOptions,
  assertPrefix,
  assertVersion,
  encodeValue,
  type ListOptions,
  type SetOptions,
  type Store,
  type StoreEntry,
} from './store.js';

export interface PostgresStoreOptions {
  /** A `pg` pool to use; it is not closed by `close()`. */
  pool?: pg.Pool;
  /** Or a connection string (default: `pg`'s `PG*` environment variables); that pool is ours. */
  connectionString?: string;
  /** The table (created when missing): `schema.table` or `table` (default `mistral_flows_store`). */
  table?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * A `Store` in PostgreSQL, for state shared by processes on several machines that run Postgres
 * rather than Redis. One row per key (`key` in byte order, the JSON text as written, a version);
 * compare-and-set is one conditional statement, so concurrent writers of any process are
 * serialised by Postgres' row locks and exactly one wins. The table is created on first use.
 */
export class PostgresStore implements Store {
  readonly table: string;
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions = {}) {
    const table = options.table ?? 'mistral_flows_store';
    const parts = table.split('.');
    if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
      throw new InvalidArgumentError(
        'table',
        `expected "table" or "schema.table" made of letters, digits and "_", got ${JSON.stringify(table)}`,
      );
    }
    this.table = parts.map((part) => `"${part}"`).join('.');
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = new pg.Pool(
        options.connectionString ? { connectionString: options.connectionString } : {},
      );
      this.ownsPool = true;
    }
  }

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    assertKey(key);
    const { rows } = await this.query<Row>(
      `SELECT value, version FROM ${this.table} WHERE key = $1`,
      [key],
    );
    const row = rows[0];
    return row
      ? { key, value: JSON.parse(row.value) as T, version: Number(row.version) }
      : undefined;
  }

  async set<T = unknown>(key: string, value: T, options: SetOptions = {}): Promise<StoreEntry<T>> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const json = encodeValue(key, value);
    const { ifVersion } = options;
    let rows: Array<{ version: string }>;
    if (ifVersion === undefined) {
      ({ rows } = await this.query<{ version: string }>(
        `INSERT INTO ${this.table} AS t (key, value, version) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = t.version + 1
         RETURNING version`,
        [key, json],
      ));
    } else if (ifVersion === 0) {
      ({ rows } = await this.query<{ version: string }>(
        `INSERT INTO ${this.table} (key, value, version) VALUES ($1, $2, 1)
         ON CONFLICT (key) DO NOTHING RETURNING version`,
        [key, json],
      ));
    } else {
      ({ rows } = await this.query<{ version: string }>(
        `UPDATE ${this.table} SET value = $2, version = version + 1
         WHERE key = $1 AND version = $3 RETURNING version`,
        [key, json, ifVersion],
      ));
    }
    const row = rows[0];
    if (!row) throw new StoreConflictError(key, ifVersion!, await this.versionOf(key));
    return { key, value, version: Number(row.version) };
  }

  async delete(key: string, options: SetOptions = {}): Promise<boolean> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const { ifVersion } = options;
    const { rowCount } =
      ifVersion === undefined
        ? await this.query(`DELETE FROM ${this.table} WHERE key = $1`, [key])
        : await this.query(`DELETE FROM ${this.table} WHERE key = $1 AND version = $2`, [
            key,
            ifVersion,
          ]);
    if ((rowCount ?? 0) > 0) return true;
    if (ifVersion !== undefined) {
      const actual = await this.versionOf(key);
      if (actual !== ifVersion) throw new StoreConflictError(key, ifVersion, actual);
    }
    return false;
  }

  async list<T = unknown>(
    prefix: string,
    options: ListOptions = {},
  ): Promise<Array<StoreEntry<T>>> {
    assertPrefix(prefix);
    assertListOptions(options);
    if (options.limit === 0) return [];
    const params: unknown[] = [prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'];
    let where = `key LIKE $1`;
    if (options.after !== undefined) {
      params.push(options.after);
      where += ` AND key > $${params.length}`;
    }
    let limit = '';
    if (options.limit !== undefined) {
      params.push(options.limit);
      limit = ` LIMIT $${params.length}`;
    }
    const { rows } = await this.query<Row & { key: string }>(
      `SELECT key, value, version FROM ${this.table} WHERE ${where} ORDER BY key${limit}`,
      params,
    );
    return rows.map((row) => ({
      key: row.key,
      value: JSON.parse(row.value) as T,
      version: Number(row.version),
    }));
  }

  async close(): Promise<void> {
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }

  private async versionOf(key: string): Promise<number> {
    const { rows } = await this.query<{ version: string }>(
      `SELECT version FROM ${this.table} WHERE key = $1`,
      [key],
    );
    return rows[0] ? Number(rows[0].version) : 0;
  }

  private async query<R extends pg.QueryResultRow>(text: string, params: unknown[]) {
    await (this.ready ??= this.createTable());
    try {
      return await this.pool.query<R>(text, params);
    } catch (error) {
      throw new StoreError(
        'store_io',
        `PostgreSQL store ${this.table}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * The table, created when missing. Several processes may start at once: each creates it under
   * a transaction-scoped advisory lock named after the table, so that one creates it and the
   * others then find it. A process that does not take that lock (an older release, a migration
   * tool) can still race this one: PostgreSQL then reports the table or its row type as already
   * there (42P07, 42710, or 23505 on the catalog's unique index), which is accepted once the table
   * is found to exist.
   */
  private async createTable(): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `mistral-flows:${this.table}`,
      ]);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
           key text COLLATE "C" PRIMARY KEY,
           value text NOT NULL,
           version bigint NOT NULL
         )`,
      );
      await client.query('COMMIT');
      client.release();
      client = undefined;
    } catch (error) {
      // A connection left inside a failed transaction is closed rather than given back.
      client?.release(true);
      const code = (error as { code?: string }).code;
      const raced = code === '23505' || code === '42P07' || code === '42710';
      if (!raced || !(await this.tableExists())) {
        this.ready = undefined;
        throw new StoreError(
          'store_io',
          `PostgreSQL store ${this.table}: cannot create the table: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  }

  /** Whether the table exists; false when that cannot be told (the caller's error is reported). */
  private async tableExists(): Promise<boolean> {
    try {
      const { rows } = await this.pool.query<{ found: string | null }>(
        'SELECT to_regclass($1)::text AS found',
        [this.table],
      );
      return typeof rows[0]?.found === 'string';
    } catch {
      return false;
    }
  }
}

interface Row {
  value: string;
  version: string;
}
