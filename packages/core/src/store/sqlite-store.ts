import Database from 'better-sqlite3';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { StoreConflictError } from '../errors/store-conflict-error.js';
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

export interface SqliteStoreOptions {
  /** Database file; `:memory:` for a private in-memory database (default). */
  path?: string;
  /** Table name (default `mistral_flows_store`). */
  table?: string;
}

interface Row {
  key: string;
  value: string;
  version: number;
}

/** The highest code point: a key starting with `prefix` sorts below `prefix + MAX_CHAR`. */
const MAX_CHAR = String.fromCodePoint(0x10ffff);

/**
 * A `Store` in one SQLite file (better-sqlite3, WAL journal; `@mistral-flows/core/sqlite`), durable across
 * crashes and shared by the processes of one machine. Every write runs in an immediate
 * transaction, so writers from several processes wait for each other (up to the busy timeout,
 * 5 s) instead of failing, and compare-and-set holds across processes.
 */
export class SqliteStore implements Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly statements: {
    get: Database.Statement<[string], Row>;
    upsert: Database.Statement<[string, string, number, number]>;
    remove: Database.Statement<[string]>;
    list: Database.Statement<[string, string, string, number], Row>;
  };
  private readonly casSet: Database.Transaction<
    (key: string, json: string, expected: number | undefined) => number
  >;
  private readonly casDelete: Database.Transaction<
    (key: string, expected: number | undefined) => boolean
  >;

  constructor(options: SqliteStoreOptions = {}) {
    const { path = ':memory:', table = 'mistral_flows_store' } = options;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
      throw new InvalidArgumentError('table', `"${table}" is not a plain SQL identifier`);
    }
    this.path = path;
    this.db = new Database(path, { timeout: 5_000 });
    this.db.pragma('busy_timeout = 5000');
    // WAL is a property of the file: only the first opener switches it, and that switch needs an
    // exclusive lock that the busy timeout does not wait for, so it is retried while another
    // process holds the file.
    if (this.db.pragma('journal_mode', { simple: true }) !== 'wal') {
      whileBusy(() => this.db.pragma('journal_mode = WAL'));
    }
    this.db.pragma('synchronous = NORMAL');
    whileBusy(() =>
      this.db.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID`,
      ),
    );
    this.statements = {
      get: this.db.prepare<[string], Row>(`SELECT key, value, version FROM ${table} WHERE key = ?`),
      upsert: this.db.prepare(
        `INSERT INTO ${table} (key, value, version, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, version = excluded.version,
         updated_at = excluded.updated_at`,
      ),
      remove: this.db.prepare(`DELETE FROM ${table} WHERE key = ?`),
      list: this.db.prepare<[string, string, string, number], Row>(
        `SELECT key, value, version FROM ${table} WHERE key >= ? AND key < ? AND key > ?
         ORDER BY key LIMIT ?`,
      ),
    };
    // Immediate transactions: the write lock is taken at BEGIN, where the busy timeout applies.
    // A deferred transaction reads first and upgrades to a write later; in WAL mode that upgrade
    // fails at once with SQLITE_BUSY when another process wrote in between, whatever the timeout.
    this.casSet = this.db.transaction((key: string, json: string, expected: number | undefined) => {
      const current = this.statements.get.get(key)?.version ?? 0;
      if (expected !== undefined && expected !== current) {
        throw new StoreConflictError(key, expected, current);
      }
      const version = current + 1;
      this.statements.upsert.run(key, json, version, Date.now());
      return version;
    });
    this.casDelete = this.db.transaction((key: string, expected: number | undefined) => {
      const current = this.statements.get.get(key)?.version ?? 0;
      if (expected !== undefined && expected !== current) {
        throw new StoreConflictError(key, expected, current);
      }
      return this.statements.remove.run(key).changes > 0;
    });
  }

  get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    return attempt(() => {
      assertKey(key);
      const row = this.statements.get.get(key);
      return row ? { key, value: JSON.parse(row.value) as T, version: row.version } : undefined;
    });
  }

  set<T = unknown>(key: string, value: T, options: SetOptions = {}): Promise<StoreEntry<T>> {
    return attempt(() => {
      assertKey(key);
      assertVersion(options.ifVersion);
      const json = encodeValue(key, value);
      const version = this.casSet.immediate(key, json, options.ifVersion);
      return { key, value, version };
    });
  }

  delete(key: string, options: SetOptions = {}): Promise<boolean> {
    return attempt(() => {
      assertKey(key);
      assertVersion(options.ifVersion);
      return this.casDelete.immediate(key, options.ifVersion);
    });
  }

  list<T = unknown>(prefix: string, options: ListOptions = {}): Promise<Array<StoreEntry<T>>> {
    return attempt(() => {
      assertPrefix(prefix);
      assertListOptions(options);
      const rows = this.statements.list.all(
        prefix,
        prefix + MAX_CHAR,
        options.after ?? '',
        options.limit ?? -1,
      );
      return rows.map((row) => ({
        key: row.key,
        value: JSON.parse(row.value) as T,
        version: row.version,
      }));
    });
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}

/** Runs `fn`, retrying for up to 5 s while SQLite answers SQLITE_BUSY. */
function whileBusy<T>(fn: () => T): T {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return fn();
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
