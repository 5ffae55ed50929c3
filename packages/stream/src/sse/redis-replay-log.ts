import { InvalidArgumentError } from '@mistral-flows/core';
import type { Redis } from 'ioredis';
import { Observable } from 'rxjs';
import type { ReplayLog, ReplayRecord } from './replay-log.js';

export interface RedisReplayLogOptions {
  /** The connection for appends and reads; each reader duplicates it for its blocking reads. */
  client: Redis;
  /** The Redis Stream key holding the events (one per relayed stream). */
  key: string;
  /** Records kept, approximately (default 10,000). */
  maxLength?: number;
  /** Seconds the stream is kept after its end (default one day). */
  ttlSeconds?: number;
  /** How long one blocking read waits before checking for unsubscription (default 1 s). */
  blockMs?: number;
}

const APPEND = `
local id = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '0-' .. id, 'e', ARGV[1], 'd', ARGV[2])
return id
`;

/**
 * A replay log in a Redis Stream: every process can read it, so a relay can be replaced by a new
 * one (or run on several machines) and a reader resumes from any of them, even after the
 * producing process has died. Entry ids are `0-<n>`, so the SSE id is the sequence number itself.
 */
export class RedisReplayLog<T = unknown> implements ReplayLog<T> {
  private readonly client: Redis;
  private readonly key: string;
  private readonly seqKey: string;
  private readonly maxLength: number;
  private readonly ttlSeconds: number;
  private readonly blockMs: number;
  private readonly readers = new Set<Redis>();

  constructor(options: RedisReplayLogOptions) {
    if (typeof options.key !== 'string' || options.key === '') {
      throw new InvalidArgumentError('key', 'a Redis Stream key must be a non-empty string');
    }
    this.client = options.client;
    this.key = options.key;
    this.seqKey = `${options.key}:seq`;
    this.maxLength = options.maxLength ?? 10_000;
    this.ttlSeconds = options.ttlSeconds ?? 86_400;
    this.blockMs = options.blockMs ?? 1_000;
  }

  async append(event: string, data: T): Promise<number> {
    const id = await this.client.eval(
      APPEND,
      2,
      this.key,
      this.seqKey,
      event,
      JSON.stringify(data),
      String(this.maxLength),
    );
    return Number(id);
  }

  async end(failure?: { code: string; message: string }): Promise<void> {
    await this.append(failure ? 'error' : 'end', (failure ?? null) as T);
    await this.client.expire(this.key, this.ttlSeconds);
    await this.client.expire(this.seqKey, this.ttlSeconds);
  }

  read(afterId: number): Observable<ReplayRecord<T>> {
    return new Observable<ReplayRecord<T>>((subscriber) => {
      const reader = this.client.duplicate();
      reader.on('error', () => undefined);
      this.readers.add(reader);
      let stopped = false;
      let cursor = afterId;
      const loop = async () => {
        let first = true;
        while (!stopped) {
          const reply = await reader.xread(
            'COUNT',
            1000,
            'BLOCK',
            this.blockMs,
            'STREAMS',
            this.key,
            `0-${cursor}`,
          );
          if (stopped) return;
          const entries = reply?.[0]?.[1] ?? [];
          for (const [streamId, fields] of entries) {
            const id = Number(streamId.slice(2));
            // Ids are consecutive (INCR and XADD run in one script): a jump means trimmed records.
            if (first && id > cursor + 1) {
              subscriber.next({
                id: cursor,
                event: 'error',
                data: {
                  code: 'replay_gap',
                  message: `events after ${cursor} are no longer held (oldest is ${id})`,
                },
              });
              subscriber.complete();
              return;
            }
            first = false;
            cursor = id;
            const record = toRecord<T>(id, fields);
            subscriber.next(record);
            if (record.event === 'end' || record.event === 'error') {
              subscriber.complete();
              return;
            }
          }
          if (entries.length > 0) first = false;
        }
      };
      loop().catch((error: unknown) => {
        if (!stopped) subscriber.error(error);
      });
      return () => {
        stopped = true;
        this.readers.delete(reader);
        reader.disconnect();
      };
    });
  }

  async close(): Promise<void> {
    for (const reader of this.readers) reader.disconnect();
    this.readers.clear();
  }
}

function toRecord<T>(id: number, fields: string[]): ReplayRecord<T> {
  let event = 'message';
  let json = 'null';
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === 'e') event = fields[i + 1]!;
    else if (fields[i] === 'd') json = fields[i + 1]!;
  }
  const data = JSON.parse(json) as unknown;
  if (event === 'end') return { id, event: 'end' };
  if (event === 'error')
    return { id, event: 'error', data: data as { code: string; message: string } };
  return { id, event, data: data as T };
}
