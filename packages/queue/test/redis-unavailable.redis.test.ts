import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClient } from '@mistral-flows/core';
import { useRedis } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createChatQueue,
  createChatWorker,
  createWebhookDispatcher,
  enqueueChat,
  generateWebhookSecret,
  RedisUnavailableError,
  replayDeadLetters,
} from '../src/index.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

const redis = await useRedis();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const messages = [{ role: 'user' as const, content: 'Hi' }];
const PASSWORD = 'hunter2-not-for-errors';
/** Far above the 500 ms the tests configure, far below a hang. */
const BOUND_MS = 5_000;

/** A port on 127.0.0.1 that nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How `promise` settled within `ms`: its value or error, or `hung`. */
async function settle<T>(
  promise: Promise<T>,
  ms = BOUND_MS,
): Promise<{ value?: T; error?: unknown; hung: boolean; elapsedMs: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    const outcome = await Promise.race([promise.then((value) => ({ value })), hung]);
    if (outcome === 'hung') return { hung: true, elapsedMs: Date.now() - started };
    return { value: outcome.value, hung: false, elapsedMs: Date.now() - started };
  } catch (error) {
    return { error, hung: false, elapsedMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

function expectUnavailable(error: unknown, port: number, timeoutMs: number): void {
  expect(RedisUnavailableError.isInstance(error), String(error)).toBe(true);
  const typed = error as RedisUnavailableError;
  expect(typed.code).toBe('redis_unavailable');
  expect(typed.address).toBe(`127.0.0.1:${port}`);
  expect(typed.timeoutMs).toBe(timeoutMs);
  expect(typed.message).toContain(`127.0.0.1:${port}`);
  expect(typed.message).not.toContain(PASSWORD);
  expect(JSON.stringify(typed)).not.toContain(PASSWORD);
}

/** `close()` returned, without an error. */
function expectReturned(closed: Awaited<ReturnType<typeof settle>>): void {
  expect(closed.hung).toBe(false);
  expect(closed.error).toBeUndefined();
}

/** A TCP proxy to the test Redis that can be shut down, as a Redis server going away. */
async function redisProxy(): Promise<{ url: string; port: number; shutdown(): Promise<void> }> {
  const target = new URL(redis.url);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy()); // the other side's close ends the pair
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let down: Promise<void> | undefined;
  const shutdown = () => {
    down ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return down;
  };
  cleanups.add(shutdown);
  return { url: `redis://127.0.0.1:${port}`, port, shutdown };
}

describe.skipIf(!redis.available)('with Redis unavailable', () => {
  it('enqueueChat fails within redisTimeoutMs with RedisUnavailableError naming the address, and close returns', async () => {
    const port = await closedPort();
    const queue = createChatQueue({
      connection: { url: `redis://default:${PASSWORD}@127.0.0.1:${port}` },
      name: uniqueName('down'),
      redisTimeoutMs: 500,
    });
    const enqueued = await settle(enqueueChat(queue, { messages }));
    expect(enqueued.hung).toBe(false);
    expectUnavailable(enqueued.error, port, 500);
    expect((enqueued.error as Error).message).toMatch(/ECONNREFUSED/);
    expect(enqueued.elapsedMs).toBeGreaterThanOrEqual(450);

    const ready = await settle(queue.ready());
    expectUnavailable(ready.error, port, 500);
    expectReturned(await settle(queue.close()));
  });

  it('a chat worker reports the refusal from ready() and closes within its bound', async () => {
    const port = await closedPort();
    const chatWorker = createChatWorker({
      connection: { host: '127.0.0.1', port, password: PASSWORD },
      client: createClient({ serverURL: 'http://127.0.0.1:9', apiKey: 'test' }),
      name: uniqueName('down'),
      redisTimeoutMs: 500,
      webhook: { secret: generateWebhookSecret() },
    });
    const ready = await settle(chatWorker.ready());
    expectUnavailable(ready.error, port, 500);
    expectReturned(await settle(chatWorker.close()));
  });

  it('a webhook dispatcher and replayDeadLetters fail within their bound', async () => {
    const port = await closedPort();
    const connection = { url: `redis://127.0.0.1:${port}` };
    const dispatcher = createWebhookDispatcher({
      connection,
      name: uniqueName('down'),
      secret: generateWebhookSecret(),
      redisTimeoutMs: 500,
    });
    const sent = await settle(
      dispatcher.send({ id: 'msg_1', url: 'https://example.com/hook', type: 't', data: {} }),
    );
    expectUnavailable(sent.error, port, 500);
    expectReturned(await settle(dispatcher.close()));
    const replayed = await settle(
      replayDeadLetters({ connection, queue: uniqueName('down'), redisTimeoutMs: 500 }),
    );
    expectUnavailable(replayed.error, port, 500);
  });

  it('enqueueChat fails within its bound after Redis goes away, without queueing the job later', async () => {
    const proxy = await redisProxy();
    const name = uniqueName('gone');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    const queue = createChatQueue({ connection: { url: proxy.url }, name, redisTimeoutMs: 500 });
    const direct = createChatQueue({ connection: { url: redis.url }, name });
    cleanups.add(() => direct.close());
    await enqueueChat(queue, { messages }, { jobId: 'before' });

    await proxy.shutdown();
    const enqueued = await settle(enqueueChat(queue, { messages }, { jobId: 'after' }));
    expect(enqueued.hung).toBe(false);
    expectUnavailable(enqueued.error, proxy.port, 500);
    expectReturned(await settle(queue.close()));
    expect(await direct.queue.getJob('before')).toBeDefined();
    expect(await direct.queue.getJob('after')).toBeUndefined();
  });

  it('a running chat worker closes within its bound after Redis goes away', async () => {
    const proxy = await redisProxy();
    const name = uniqueName('gone');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    const chatWorker = createChatWorker({
      connection: { url: proxy.url },
      client: createClient({ serverURL: 'http://127.0.0.1:9', apiKey: 'test' }),
      name,
      redisTimeoutMs: 500,
      webhook: { secret: generateWebhookSecret() },
    });
    await chatWorker.ready();
    await proxy.shutdown();
    expectReturned(await settle(chatWorker.close()));
  });
});
