import { Redis, type RedisOptions } from 'ioredis';
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

export interface RedisStoreOptions {
  /** An ioredis client to use; it is not closed by `close()`. */
  client?: Redis;
  /** Or a URL to connect to (default `redis://127.0.0.1:6379`); that connection is ours to close. */
  url?: string;
  /** Extra ioredis options for the connection made from `url`. */
  redisOptions?: RedisOptions;
  /** Prefix of every Redis key this store writes (default `mistral-flows:`). */
  namespace?: string;
}

const SET_SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= current then return {0, current} end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'n', version)
redis.call('ZADD', KEYS[2], 0, ARGV[3])
return {1, version}
`;

const DELETE_SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= current then return {0, current} end
redis.call('ZREM', KEYS[2], ARGV[2])
return {1, redis.call('DEL', KEYS[1])}
`;

type ScriptResult = [number, number];

/**
 * A `Store` in Redis, for state shared by processes on several machines. Each entry is a hash
 * (`<namespace>k:<key>` with its JSON and version); a sorted set indexes the keys for prefix
 * listing. Writes and compare-and-set run as Lua scripts, atomically.
 */
export class RedisStore implements Store {
  readonly namespace: string;
  private readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly indexKey: string;

  constructor(options: RedisStoreOptions = {}) {
    this.namespace = options.namespace ?? 'mistral-flows:';
    this.indexKey = `${this.namespace}i`;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      this.client = new Redis(options.url ?? 'redis://127.0.0.1:6379', {
        maxRetriesPerRequest: 3,
        ...options.redisOptions,
      });
      this.ownsClient = true;
    }
  }

  async get<T = unknown>(key: string): Promise<StoreEntry<T> | undefined> {
    assertKey(key);
    const [json, version] = await this.client.hmget(this.entryKey(key), 'v', 'n');
    if (json === null || json === undefined || version === null || version === undefined) {
      return undefined;
    }
    return { key, value: JSON.parse(json) as T, version: Number(version) };
  }

  async set<T = unknown>(key: string, value: T, options: SetOptions = {}): Promise<StoreEntry<T>> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const json = encodeValue(key, value);
    const [ok, version] = (await this.client.eval(
      SET_SCRIPT,
      2,
      this.entryKey(key),
      this.indexKey,
      json,
      options.ifVersion === undefined ? '' : String(options.ifVersion),
      key,
    )) as ScriptResult;
    if (ok !== 1) throw new StoreConflictError(key, options.ifVersion!, version);
    return { key, value, version };
  }

  async delete(key: string, options: SetOptions = {}): Promise<boolean> {
    assertKey(key);
    assertVersion(options.ifVersion);
    const [ok, deleted] = (await this.client.eval(
      DELETE_SCRIPT,
      2,
      this.entryKey(key),
      this.indexKey,
      options.ifVersion === undefined ? '' : String(options.ifVersion),
      key,
    )) as ScriptResult;
    if (ok !== 1) throw new StoreConflictError(key, options.ifVersion!, deleted);
    return deleted > 0;
  }

  async list<T = unknown>(
    prefix: string,
    options: ListOptions = {},
  ): Promise<Array<StoreEntry<T>>> {
    assertPrefix(prefix);
    assertListOptions(options);
    if (options.limit === 0) return [];
    const after = options.after;
    const start =
      after !== undefined && compareKeys(after, prefix) >= 0
        ? Buffer.concat([Buffer.from('('), Buffer.from(after)])
        : Buffer.concat([Buffer.from('['), Buffer.from(prefix)]);
    const end = Buffer.concat([Buffer.from('['), Buffer.from(prefix), Buffer.from([0xff])]);
    const keys =
      options.limit === undefined
        ? await this.client.zrangebylex(this.indexKey, start, end)
        : await this.client.zrangebylex(this.indexKey, start, end, 'LIMIT', 0, options.limit);
    if (keys.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const key of keys) pipeline.hmget(this.entryKey(key), 'v', 'n');
    const replies = (await pipeline.exec()) ?? [];
    const entries: Array<StoreEntry<T>> = [];
    keys.forEach((key, i) => {
      const [error, fields] = replies[i] ?? [];
      if (error) throw error;
      const [json, version] = (fields ?? []) as Array<string | null>;
      if (json === null || json === undefined || version === null || version === undefined) return;
      entries.push({ key, value: JSON.parse(json) as T, version: Number(version) });
    });
    return entries;
  }

  async close(): Promise<void> {
    if (this.ownsClient && this.client.status !== 'end') {
      await this.client.quit().catch(() => this.client.disconnect());
    }
  }

  private entryKey(key: string): string {
    return `${this.namespace}k:${key}`;
  }
}
