import { StoreConflictError } from '../errors/store-conflict-error.js';
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

/**
 * A `Store` in process memory. Values are kept as JSON text, so what you read back is a copy with
 * exactly the semantics of the durable stores.
 */
export class MemoryStore implements Store {
  private readonly entries = new Map<string, { json: string; version: number }>();

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    assertKey(key);
    const entry = this.entries.get(key);
    return entry ? { key, value: JSON.parse(entry.json) as T, version: entry.version } : undefined;
  }

  async set<T = unknown>(key: string, value: T, options: SetOptions = {}): Promise<StoreEntry<T>> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const json = encodeValue(key, value);
    const current = this.entries.get(key)?.version ?? 0;
    if (options.ifVersion !== undefined && options.ifVersion !== current) {
      throw new StoreConflictError(key, options.ifVersion, current);
    }
    const version = current + 1;
    this.entries.set(key, { json, version });
    return { key, value, version };
  }

  async delete(key: string, options: SetOptions = {}): Promise<boolean> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const current = this.entries.get(key)?.version ?? 0;
    if (options.ifVersion !== undefined && options.ifVersion !== current) {
      throw new StoreConflictError(key, options.ifVersion, current);
    }
    return this.entries.delete(key);
  }

  async list<T = unknown>(
    prefix: string,
    options: ListOptions = {},
  ): Promise<Array<StoreEntry<T>>> {
    assertPrefix(prefix);
    assertListOptions(options);
    const keys = [...this.entries.keys()]
      .filter(
        (key) =>
          key.startsWith(prefix) &&
          (options.after === undefined || compareKeys(key, options.after) > 0),
      )
      .sort(compareKeys);
    const limited = options.limit === undefined ? keys : keys.slice(0, options.limit);
    return limited.map((key) => {
      const entry = this.entries.get(key)!;
      return { key, value: JSON.parse(entry.json) as T, version: entry.version };
    });
  }

  async close(): Promise<void> {
    // Nothing to release.
  }
}
