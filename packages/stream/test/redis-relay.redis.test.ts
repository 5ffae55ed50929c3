import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { useRedis } from '@mistral-flows/testing';
import { Redis } from 'ioredis';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { fromSSE } from '../src/index.js';
import { RedisReplayLog } from '../src/redis.js';

const redis = await useRedis();
const fixture = fileURLToPath(new URL('./fixtures/redis-relay.mjs', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Starts a relay process on `port` (0 for any) and resolves with the port it listens on. */
async function startRelayProcess(
  port: number,
  key: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [fixture, String(port), redis.url, key], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const listening = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
  return { child, port: listening };
}

describe.skipIf(!redis.available)('RedisReplayLog', () => {
  it('lets a reader resume on a new relay process after the first one is killed mid-stream', async () => {
    const key = `mf-test:relay:${randomUUID()}`;
    const producer = new Redis(redis.url);
    cleanups.push(async () => {
      await producer.del(key, `${key}:seq`);
      await producer.quit();
    });
    const log = new RedisReplayLog<{ n: number }>({ client: producer, key });
    const first = await startRelayProcess(0, key);
    const url = `http://127.0.0.1:${first.port}/events`;

    // The producer writes 2,000 events over time, from this process.
    const produced = (async () => {
      for (let n = 0; n < 2_000; n++) {
        await log.append('tick', { n });
        if (n % 50 === 49) await new Promise((r) => setTimeout(r, 2));
      }
      await log.end();
    })();

    let replaced = false;
    const received: Array<{ id: string | undefined; n: number }> = [];
    const done = new Promise<void>((resolve, reject) => {
      fromSSE<{ n: number }>(url, {
        // A new Node process takes a while to start on a loaded machine: a budget of ~60 s of
        // reconnects, far more than it needs, so the test waits on the relay, not on a count.
        backoff: { initialDelayMs: 20, maxDelayMs: 100 },
        maxReconnects: 600,
      }).subscribe({
        next: (m) => {
          received.push({ id: m.id, n: m.data.n });
          if (received.length === 700 && !replaced) {
            replaced = true;
            first.child.kill('SIGKILL');
            first.child.once('exit', () => {
              void startRelayProcess(first.port, key).catch(reject);
            });
          }
        },
        error: reject,
        complete: resolve,
      });
    });
    await Promise.all([produced, done]);
    expect(replaced).toBe(true);
    expect(received.map((r) => r.n)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(received.map((r) => Number(r.id))).toEqual(
      Array.from({ length: 2_000 }, (_, i) => i + 1),
    );
  }, 90_000);

  it('replays from any id for a late reader in this process, and reports trimmed records as a gap', async () => {
    const key = `mf-test:relay:${randomUUID()}`;
    const client = new Redis(redis.url);
    cleanups.push(async () => {
      await client.del(key, `${key}:seq`);
      await client.quit();
    });
    const log = new RedisReplayLog<number>({ client, key, blockMs: 100 });
    for (let n = 1; n <= 5; n++) await log.append('n', n);
    await log.end();
    const tail = await firstValueFrom(log.read(3).pipe(toArray()));
    expect(tail).toEqual([
      { id: 4, event: 'n', data: 4 },
      { id: 5, event: 'n', data: 5 },
      { id: 6, event: 'end' },
    ]);
    await client.xtrim(key, 'MAXLEN', 2);
    const [gap] = await firstValueFrom(log.read(1).pipe(take(1), toArray()));
    expect(gap).toMatchObject({ event: 'error', data: { code: 'replay_gap' } });
    await log.close();
  });
});
