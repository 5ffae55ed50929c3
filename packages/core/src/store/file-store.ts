import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { StoreConflictError } from '../errors/store-conflict-error.js';
import { StoreError } from '../errors/store-error.js';
import {
  assertKey,
  assertListOptions,
  assertPrefix,
  assertVersion,
  compareKeys,
  encodeValue,
  type ListOptions,
  type SetOptions,
  type Store,
  type StoreEntry,
} from './store.js';

export interface FileStoreOptions {
  /** The directory that holds one JSON file per key; created on the first write. */
  dir: string;
  /**
   * How long a write waits for another writer of the same key (in this or another process)
   * before it fails with a `StoreError` of code `store_busy` (default 5000 ms).
   */
  lockTimeoutMs?: number;
  /**
   * A key's lock older than this is taken over, whoever holds it (default 10000 ms). The lock of
   * a process that died on this machine is taken over at once.
   */
  staleLockMs?: number;
  /** Flush every file to disk before it replaces the previous version (default `true`). */
  fsync?: boolean;
}

/** What a lock file holds: who took it, so that a dead owner's lock can be recognised. */
interface LockBody {
  pid: number;
  host: string;
  token: string;
}

interface LockState {
  raw: string;
  mtimeMs: number;
  body: LockBody | undefined;
}

const HOST = hostname();
/** Encoded names longer than this are shortened and completed by a hash of the key. */
const MAX_PLAIN_NAME = 180;
const SHORTENED_PREFIX = 120;

/**
 * A `Store` in plain files, with no native module and no server: one JSON file per key under
 * `dir`, shared safely by the processes of one machine. Every write goes to a temporary file
 * that is renamed over the previous one, so a reader (or a process killed mid-write) never sees
 * half an entry. Writes to one key take that key's lock file (created exclusively), so versions
 * and compare-and-set hold across processes; a lock left by a dead process is taken over, and a
 * writer that cannot get a lock within `lockTimeoutMs` fails with a typed `StoreError`.
 *
 * Suited to development, tests and one machine's moderate write rates; for heavy use on one
 * machine prefer `SqliteStore` (`@mistral-flows/core/sqlite`), for several machines
 * `RedisStore` (`@mistral-flows/core/redis`). Do not put `dir` on a network file system.
 *
 * @example
 * const store = new FileStore({ dir: '.mistral-flows/store' });
 * await store.set('conversation:1', { history: [] }, { ifVersion: 0 });
 */
export class FileStore implements Store {
  /** The absolute directory of the entries. */
  readonly dir: string;
  private readonly lockTimeoutMs: number;
  private readonly staleLockMs: number;
  private readonly fsync: boolean;
  /** Writers of one key in this process queue here instead of polling the lock file. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(options: FileStoreOptions) {
    const { dir, lockTimeoutMs = 5_000, staleLockMs = 10_000, fsync = true } = options ?? {};
    if (typeof dir !== 'string' || dir.length === 0) {
      throw new InvalidArgumentError('dir', 'FileStore needs a directory path');
    }
    for (const [name, value] of [
      ['lockTimeoutMs', lockTimeoutMs],
      ['staleLockMs', staleLockMs],
    ] as const) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new InvalidArgumentError(name, `expected a number >= 0, got ${String(value)}`);
      }
    }
    this.dir = resolve(dir);
    this.lockTimeoutMs = lockTimeoutMs;
    this.staleLockMs = staleLockMs;
    this.fsync = fsync;
  }

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    assertKey(key);
    const entry = await this.read(this.pathOf(key), key);
    return entry && { key, value: entry.value as T, version: entry.version };
  }

  async set<T = unknown>(key: string, value: T, options: SetOptions = {}): Promise<StoreEntry<T>> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const json = encodeValue(key, value);
    const path = this.pathOf(key);
    const version = await this.locked(path, key, async () => {
      const current = (await this.read(path, key))?.version ?? 0;
      if (options.ifVersion !== undefined && options.ifVersion !== current) {
        throw new StoreConflictError(key, options.ifVersion, current);
      }
      const next = current + 1;
      await this.write(
        path,
        key,
        `{"key":${JSON.stringify(key)},"version":${next},"value":${json}}`,
      );
      return next;
    });
    return { key, value, version };
  }

  async delete(key: string, options: SetOptions = {}): Promise<boolean> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const path = this.pathOf(key);
    return this.locked(path, key, async () => {
      const current = (await this.read(path, key))?.version ?? 0;
      if (options.ifVersion !== undefined && options.ifVersion !== current) {
        throw new StoreConflictError(key, options.ifVersion, current);
      }
      if (current === 0) return false;
      try {
        await rm(path);
        return true;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return false;
        throw ioError(`could not delete "${key}"`, key, path, error);
      }
    });
  }

  async list<T = unknown>(
    prefix: string,
    options: ListOptions = {},
  ): Promise<Array<StoreEntry<T>>> {
    assertPrefix(prefix);
    assertListOptions(options);
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw ioError(`could not list ${this.dir}`, undefined, this.dir, error);
    }
    const wanted = (key: string) =>
      key.startsWith(prefix) &&
      (options.after === undefined || compareKeys(key, options.after) > 0);
    const found: Array<{ key: string; path: string; entry?: { value: unknown; version: number } }> =
      [];
    for (const name of names) {
      if (!name.endsWith('.json')) continue;
      const base = name.slice(0, -'.json'.length);
      const path = join(this.dir, name);
      if (base.includes('~')) {
        // A shortened name: only the file knows its whole key.
        const entry = await this.read(path, undefined);
        if (entry && wanted(entry.key)) found.push({ key: entry.key, path, entry });
        continue;
      }
      const key = decodeKey(base);
      if (key !== undefined && wanted(key)) found.push({ key, path });
    }
    found.sort((a, b) => compareKeys(a.key, b.key));
    const limit = options.limit ?? Infinity;
    const entries: Array<StoreEntry<T>> = [];
    for (const item of found) {
      if (entries.length >= limit) break;
      // Deleted since the directory was read: not listed.
      const entry = item.entry ?? (await this.read(item.path, item.key));
      if (entry) entries.push({ key: item.key, value: entry.value as T, version: entry.version });
    }
    return entries;
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.values());
  }

  /** The file of `key`: its UTF-8 bytes, escaped to a portable, case-insensitive-safe name. */
  private pathOf(key: string): string {
    const encoded = encodeKey(key);
    if (encoded.length <= MAX_PLAIN_NAME) return join(this.dir, `${encoded}.json`);
    const hash = createHash('sha256').update(key).digest('hex').slice(0, 40);
    const head = encoded.slice(0, SHORTENED_PREFIX).replace(/\.[0-9a-f]?$/, '');
    return join(this.dir, `${head}~${hash}.json`);
  }

  private async read(
    path: string,
    key: string | undefined,
  ): Promise<{ key: string; value: unknown; version: number } | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw ioError(`could not read ${key === undefined ? path : `"${key}"`}`, key, path, error);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new StoreError('store_corrupt', `the entry file ${path} is not valid JSON`, {
        path,
        cause: error,
        ...(key === undefined ? {} : { key }),
      });
    }
    const entry = parsed as { key?: unknown; version?: unknown; value?: unknown };
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.key !== 'string' ||
      !Number.isInteger(entry.version) ||
      !('value' in entry) ||
      (key !== undefined && entry.key !== key)
    ) {
      throw new StoreError('store_corrupt', `the entry file ${path} is not a store entry`, {
        path,
        ...(key === undefined ? {} : { key }),
      });
    }
    return { key: entry.key, value: entry.value, version: entry.version as number };
  }

  /** Writes `content` to a temporary file and renames it over `path` (atomic on one volume). */
  private async write(path: string, key: string, content: string): Promise<void> {
    const temp = `${path.slice(0, -'.json'.length)}.${process.pid}-${randomUUID()}.tmp`;
    try {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(content, 'utf8');
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      // The write's error is the one to report; a temporary file that also stays is named in it.
      const left = await rm(temp, { force: true }).then(
        () => '',
        (cleanup: unknown) =>
          ` (and the temporary file ${temp} could not be removed: ${cleanup instanceof Error ? cleanup.message : String(cleanup)})`,
      );
      throw ioError(`could not write "${key}"${left}`, key, path, error);
    }
  }

  /** Runs `fn` holding the key's lock: first in this process's queue, then the lock file. */
  private async locked<T>(path: string, key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(path) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = previous.then(() => mine);
    this.queues.set(path, tail);
    await previous;
    try {
      const lockPath = `${path.slice(0, -'.json'.length)}.lock`;
      const token = await this.acquire(lockPath, key);
      try {
        return await fn();
      } finally {
        await this.release(lockPath, token);
      }
    } finally {
      done();
      if (this.queues.get(path) === tail) this.queues.delete(path);
    }
  }

  private async acquire(lockPath: string, key: string): Promise<string> {
    const token = randomUUID();
    const body = JSON.stringify({ pid: process.pid, host: HOST, token } satisfies LockBody);
    const deadline = Date.now() + this.lockTimeoutMs;
    let pause = 1;
    for (;;) {
      try {
        const handle = await open(lockPath, 'wx');
        try {
          await handle.writeFile(body, 'utf8');
        } finally {
          await handle.close();
        }
        return token;
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT') {
          await this.ensureDir(key);
          continue;
        }
        if (code !== 'EEXIST') throw ioError(`could not lock "${key}"`, key, lockPath, error);
      }
      if (await this.breakIfStale(lockPath, key)) continue;
      if (Date.now() >= deadline) {
        throw new StoreError(
          'store_busy',
          `Store key "${key}" stayed locked by another writer for ${this.lockTimeoutMs} ms (${lockPath})`,
          { key, path: lockPath },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 20);
    }
  }

  /** True when the lock is gone or was stale and has been removed: the caller tries again. */
  private async breakIfStale(lockPath: string, key: string): Promise<boolean> {
    const seen = await readLock(lockPath);
    if (!seen) return true;
    if (!this.isStale(seen)) return false;
    // Only one process removes a stale lock, under a second lock, after checking it is the same.
    const breakPath = `${lockPath}.break`;
    let breaker;
    try {
      breaker = await open(breakPath, 'wx');
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') {
        throw ioError(`could not recover the lock of "${key}"`, key, breakPath, error);
      }
      // Removing a lock takes microseconds: a break lock this old belongs to a dead process.
      let age: number;
      try {
        age = Date.now() - (await stat(breakPath)).mtimeMs;
      } catch (statError) {
        // Gone already: its owner finished; anything else is a file system failure.
        if (errorCode(statError) === 'ENOENT') return false;
        throw ioError(`could not recover the lock of "${key}"`, key, breakPath, statError);
      }
      if (age > this.staleLockMs) await rm(breakPath, { force: true });
      return false;
    }
    try {
      const again = await readLock(lockPath);
      if (again && again.raw === seen.raw && again.mtimeMs === seen.mtimeMs) {
        await rm(lockPath, { force: true });
      }
      return true;
    } finally {
      await breaker.close();
      await rm(breakPath, { force: true });
    }
  }

  private isStale(lock: LockState): boolean {
    if (lock.body && lock.body.host === HOST && !processAlive(lock.body.pid)) return true;
    return Date.now() - lock.mtimeMs > this.staleLockMs;
  }

  private async release(lockPath: string, token: string): Promise<void> {
    const lock = await readLock(lockPath);
    // A lock taken over as stale is no longer ours to remove.
    if (lock?.body?.token === token) await rm(lockPath, { force: true });
  }

  private async ensureDir(key: string): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw ioError(`could not create ${this.dir}`, key, this.dir, error);
    }
  }
}

/** The lock file's content and age; `undefined` when there is no lock. */
async function readLock(path: string): Promise<LockState | undefined> {
  try {
    const [raw, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let body: LockBody | undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<LockBody>;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
        body = parsed as LockBody;
      }
    } catch {
      // Being written right now: judged by its age alone.
    }
    return { raw, mtimeMs: info.mtimeMs, body };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw ioError(`could not read the lock ${path}`, undefined, path, error);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

const PLAIN = /^[a-z0-9_-]$/;

/** Lower-case letters, digits, `-` and `_` stay; every other byte becomes `.xx` (hex). */
function encodeKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += PLAIN.test(char) ? char : `.${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The key a file name encodes, or `undefined` for a name this store did not make. */
function decodeKey(name: string): string | undefined {
  if (!/^(?:[a-z0-9_-]|\.[0-9a-f]{2})+$/.test(name)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '.') {
      bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(name.charCodeAt(i));
    }
  }
  const key = Buffer.from(bytes).toString('utf8');
  return encodeKey(key) === name ? key : undefined;
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function ioError(what: string, key: string | undefined, path: string, cause: unknown): StoreError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StoreError('store_io', `FileStore ${what}: ${detail}`, {
    path,
    cause,
    ...(key === undefined ? {} : { key }),
  });
}
