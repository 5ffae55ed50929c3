import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/** A JSON value as stored: what `JSON.parse(JSON.stringify(x))` gives back. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StoreEntry<T = unknown> {
  key: string;
  value: T;
  /** 1 after the first write, incremented by every write. */
  version: number;
}

export interface SetOptions {
  /**
   * Compare-and-set: write only when the stored version equals this (0 = the key must not exist);
   * otherwise a `StoreConflictError` is thrown and nothing is written.
   */
  ifVersion?: number;
}

export interface ListOptions {
  /** At most this many entries (default: all). */
  limit?: number;
  /** Only keys after this one (for paging). */
  after?: string;
}

/**
 * Durable key-value storage for snapshots, histories and job state, with JSON values and
 * versioned compare-and-set. `MemoryStore`, `FileStore` (the default, no native module),
 * `SqliteStore` (`@mistral-flows/core/sqlite`) and `RedisStore` (`@mistral-flows/core/redis`, for
 * several machines) implement it and pass one contract suite.
 */
export interface Store {
  get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined>;
  /** Writes `value` and returns the entry with its new version (and the value as given). */
  set<T = unknown>(key: string, value: T, options?: SetOptions): Promise<StoreEntry<T>>;
  /** True when the key existed. With `ifVersion`, deletes only that version. */
  delete(key: string, options?: SetOptions): Promise<boolean>;
  /** Entries whose keys start with `prefix`, sorted by key. */
  list<T = unknown>(prefix: string, options?: ListOptions): Promise<Array<StoreEntry<T>>>;
  close(): Promise<void>;
}

/** Throws an `InvalidArgumentError` unless `key` is a non-empty string. */
export function assertKey(key: unknown, name = 'key'): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidArgumentError(name, `a store key must be a string, got ${typeof key}`);
  }
  if (key.length === 0) {
    throw new InvalidArgumentError(name, 'a store key must not be empty');
  }
}

/** Throws unless `prefix` is a string (the empty prefix lists everything). */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') {
    throw new InvalidArgumentError(
      'prefix',
      `a store prefix must be a string, got ${typeof prefix}`,
    );
  }
}

/**
 * A value already serialised as JSON, for callers that made the text anyway (to redact it, or to
 * reuse the unchanged part of a large value): every store of this package writes
 * the text as it is instead of serialising the value again. Any other store serialises it through
 * `toJSON()`, so it stays correct there too. The text must be valid JSON: it is not parsed again.
 *
 * @example
 * await store.set('snapshot:1', new JsonText(redactString(JSON.stringify(snapshot))));
 */
export class JsonText {
  constructor(readonly text: string) {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError('text', `JsonText expects a string, got ${typeof text}`);
    }
  }

  /** Also true for a `JsonText` made by another copy of this package in the same process. */
  static isInstance(value: unknown): value is JsonText {
    return typeof value === 'object' && value !== null && JSON_TEXT in value;
  }

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}
const JSON_TEXT = Symbol.for('mistral-flows.JsonText');
Object.defineProperty(JsonText.prototype, JSON_TEXT, { value: true });

/** Serialises a value for storage; rejects what JSON cannot represent. */
export function encodeValue(key: string, value: unknown): string {
  if (JsonText.isInstance(value)) return value.text;
  if (value === undefined) {
    throw new InvalidArgumentError(
      'value',
      `cannot store undefined under "${key}"; delete the key instead`,
    );
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError('value', `the value for "${key}" is not serialisable to JSON`, {
      cause: error,
    });
  }
  if (json === undefined) {
    throw new InvalidArgumentError('value', `the value for "${key}" is not serialisable to JSON`);
  }
  return json;
}

export function assertVersion(version: unknown): void {
  if (version !== undefined && !(Number.isInteger(version) && (version as number) >= 0)) {
    throw new InvalidArgumentError(
      'ifVersion',
      `expected an integer >= 0, got ${JSON.stringify(version)}`,
    );
  }
}

export function assertListOptions(options: ListOptions): void {
  const { limit, after } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new InvalidArgumentError('limit', `expected an integer >= 0, got ${String(limit)}`);
  }
  if (after !== undefined && typeof after !== 'string') {
    throw new InvalidArgumentError('after', `expected a string, got ${typeof after}`);
  }
}

/** Orders keys by their UTF-8 bytes, as SQLite and Redis do. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
