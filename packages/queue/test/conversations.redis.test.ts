import { get, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Store } from '@mistral-flows/core';
import { PostgresStore } from '@mistral-flows/core/postgres';
import { RedisStore } from '@mistral-flows/core/redis';
import { defineTool, conversationKey } from '@mistral-flows/agents';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { serveSSE, type ReplayRecord } from '@mistral-flows/stream';
import { testWire, useRedis, waitFor } from '@mistral-flows/testing';
import { filter, firstValueFrom, take, takeWhile, toArray } from 'rxjs';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConversationRuntimeError,
  createConversationClient,
  createConversationWorker,
  LeaseLostError,
  leaseKey,
  RedisUnavailableError,
  type ConversationClient,
  type ConversationLogEvent,
  type ConversationWorker,
  type ConversationWorkerOptions,
  type LeaseRecord,
} from '../src/index.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

const redis = await useRedis();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({
    latency: { ttftMs: 5, tokenMs: 1 },
    scenarios: [
      {
        match: { lastUserMessage: '^turn (\\d+)', step: 1 },
        toolCalls: [{ name: 'lookup', arguments: { item: 'x' } }],
      },
      { match: { lastUserMessage: '^turn (\\d+)', step: 2 }, text: 'Answer to turn $1.' },
      {
        match: { lastUserMessage: '^refund', step: 1 },
        toolCalls: [{ name: 'refund', arguments: { amount: 5 } }],
      },
      { match: { lastUserMessage: '^refund', step: 2 }, text: 'The refund is handled.' },
      {
        match: { lastUserMessage: '^hang', step: 1 },
        toolCalls: [{ name: 'hang', arguments: {} }],
      },
      {
        match: { lastUserMessage: '^steal', step: 1 },
        toolCalls: [{ name: 'steal', arguments: {} }],
      },
      { match: { lastUserMessage: '^steal', step: 2 }, text: 'Done after the steal.' },
      { text: 'Fine.' },
    ],
  });
});
afterAll(() => emulator?.close());

interface Setup {
  name: string;
  store: Store;
  client: ConversationClient;
  executions: Map<string, number>;
  startWorker(overrides?: Partial<ConversationWorkerOptions>): Promise<ConversationWorker>;
}

async function setUp(): Promise<Setup> {
  const name = uniqueName('conv');
  const connection = { url: redis.url };
  cleanups.add(() => deleteQueueKeys(redis.url, [name]));
  const store = new RedisStore({ url: redis.url, namespace: `bull:${name}:store:` });
  cleanups.add(() => store.close());
  const executions = new Map<string, number>();
  const count = (callId: string) => executions.set(callId, (executions.get(callId) ?? 0) + 1);
  let stolen = false;
  const tools = [
    defineTool({
      name: 'lookup',
      description: 'Looks an item up',
      parameters: z.object({ item: z.string() }),
      execute: (_args, { callId }) => {
        count(callId);
        return 'found';
      },
    }),
    defineTool({
      name: 'refund',
      description: 'Refunds an amount',
      parameters: z.object({ amount: z.number() }),
      needsApproval: true,
      execute: ({ amount }, { callId }) => {
        count(callId);
        return `refunded ${amount}`;
      },
    }),
    defineTool({
      name: 'hang',
      description: 'Never ends until aborted',
      parameters: z.object({}),
      execute: (_args, { callId, signal }) => {
        count(callId);
        return new Promise<string>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        );
      },
    }),
    defineTool({
      name: 'steal',
      description: 'Overwrites the lease once, as a worker with a skewed clock would',
      parameters: z.object({}),
      execute: async (_args, { callId, conversationId }) => {
        count(callId);
        if (!stolen) {
          stolen = true;
          const entry = await store.get<LeaseRecord>(leaseKey(conversationId));
          await store.set(
            leaseKey(conversationId),
            { ...entry!.value, owner: 'skewed-clock' },
            {
              ifVersion: entry!.version,
            },
          );
        }
        return 'stolen';
      },
    }),
  ];
  const client = createConversationClient({ connection, name });
  cleanups.add(() => client.close());
  await client.ready();
  return {
    name,
    store,
    client,
    executions,
    async startWorker(overrides = {}) {
      const worker = createConversationWorker({
        connection,
        name,
        client: createClient({ serverURL: emulator.url, apiKey: 'test', wire: testWire() }),
        store,
        model: 'mistral-small-latest',
        tools,
        leaseMs: 2_000,
        orderRetryMs: 50,
        ...overrides,
      });
      cleanups.add(() => worker.close());
      await worker.ready();
      return worker;
    },
  };
}

const eventsOf = (records: Array<ReplayRecord<ConversationLogEvent>>) =>
  records.flatMap((r) =>
    'data' in r && r.event !== 'error' ? [r.data as ConversationLogEvent] : [],
  );

describe.skipIf(!redis.available)('conversation runtime on Redis', () => {
  it('runs a turn with a tool call on a worker, and logs its events in order', async () => {
    const { client, startWorker, executions } = await setUp();
    await startWorker();
    const created = await client.create({ id: 'order-1' });
    expect(created).toMatchObject({ conversationId: 'order-1', seq: 1, jobId: 'order-1.1' });
    expect(await client.result(created)).toMatchObject({ status: 'idle', action: 'create' });

    const sent = await client.send('order-1', 'turn 1: where is my order?');
    const outcome = await client.result(sent, { timeoutMs: 20_000 });
    expect(outcome).toMatchObject({ status: 'idle', seq: 2, action: 'send' });
    expect(outcome.turn).toMatchObject({ turn: 1, text: 'Answer to turn 1.', steps: 2 });
    expect(outcome.turn?.toolResults).toMatchObject([
      { name: 'lookup', ok: true, content: 'found' },
    ]);
    expect([...executions.values()]).toEqual([1]);

    const records = await firstValueFrom(
      client.events('order-1', { after: sent.afterEventId }).pipe(
        takeThrough((r) => r.event === 'action-end'),
        toArray(),
      ),
    );
    const types = eventsOf(records).map((e) => e.type);
    expect(types[0]).toBe('action-start');
    expect(types).toContain('turn-start');
    expect(types).toContain('text-delta');
    expect(types.indexOf('tool-call')).toBeLessThan(types.indexOf('tool-result'));
    expect(types.indexOf('tool-result')).toBeLessThan(types.indexOf('turn-end'));
    expect(types.at(-1)).toBe('action-end');
    // Ids are consecutive: nothing in between belongs to another action.
    const ids = records.map((r) => r.id);
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
  });

  it('applies actions sent without waiting in the order they were enqueued, on two workers', async () => {
    const { client, startWorker, store } = await setUp();
    await startWorker({ workerId: 'w1' });
    await startWorker({ workerId: 'w2' });
    const ids = ['a', 'b', 'c'];
    await Promise.all(ids.map((id) => client.create({ id })));
    const receipts = [];
    for (const id of ids) {
      for (let turn = 1; turn <= 3; turn++)
        receipts.push(await client.send(id, `turn ${turn} of ${id}`));
    }
    const outcomes = await Promise.all(
      receipts.map((r) => client.result(r, { timeoutMs: 30_000 })),
    );
    for (const [i, outcome] of outcomes.entries()) {
      expect(outcome.status).toBe('idle');
      expect(outcome.turn?.turn).toBe((i % 3) + 1);
    }
    for (const id of ids) {
      const stored = await store.get<{
        snapshot: { context: { messages: Array<{ role: string; content: string }> } };
      }>(conversationKey(id));
      const users = stored!.value.snapshot.context.messages.filter((m) => m.role === 'user');
      expect(users.map((m) => m.content)).toEqual([1, 2, 3].map((t) => `turn ${t} of ${id}`));
      const lease = await store.get<LeaseRecord>(leaseKey(id));
      expect(lease?.value).toMatchObject({ owner: null, done: 4 });
    }
  });

  it('skips an action whose job never reached the queue, so that later ones do not wait for ever', async () => {
    const { client, startWorker, store, name } = await setUp();
    await startWorker();
    await client.result(await client.create({ id: 'gap' }));
    // A client that died between numbering its action (INCR) and enqueueing its job.
    const redisClient = new Redis(redis.url);
    cleanups.add(() => redisClient.disconnect());
    expect(await redisClient.incr(`bull:${name}:conversation:gap:seq`)).toBe(2);
    const sent = await client.send('gap', 'turn 1 after a gap');
    expect(sent.seq).toBe(3);
    const outcome = await client.result(sent, { timeoutMs: 20_000 });
    expect(outcome).toMatchObject({ status: 'idle', turn: { turn: 1, text: 'Answer to turn 1.' } });
    const skipped = await firstValueFrom(
      client
        .events('gap')
        .pipe(filter((r) => r.event === 'action-end' && (r.data as { seq: number }).seq === 2)),
    );
    expect(skipped).toMatchObject({ data: { outcome: { status: 'skipped' } } });
    expect((await store.get<LeaseRecord>(leaseKey('gap')))?.value).toMatchObject({
      owner: null,
      done: 3,
    });
  });

  it('stops at an approval, and continues with approve or reject', async () => {
    const { client, startWorker, executions } = await setUp();
    await startWorker();
    await client.create({ id: 'refunds' });
    const first = await client.result(await client.send('refunds', 'refund my order'));
    expect(first.status).toBe('awaitingApproval');
    const [pending] = first.pendingApprovals!;
    expect(pending).toMatchObject({ name: 'refund', arguments: '{"amount":5}' });
    const approved = await client.result(await client.approve('refunds', pending!.callId));
    expect(approved).toMatchObject({ status: 'idle', turn: { text: 'The refund is handled.' } });
    expect(executions.get(pending!.callId)).toBe(1);

    const second = await client.result(await client.send('refunds', 'refund again'));
    const [again] = second.pendingApprovals!;
    const rejected = await client.result(await client.reject('refunds', again!.callId, 'too much'));
    expect(rejected).toMatchObject({ status: 'idle', turn: { turn: 2 } });
    expect(executions.has(again!.callId)).toBe(false);

    const unknown = client.result(await client.approve('refunds', 'no-such-call'));
    await expect(unknown).rejects.toMatchObject({
      code: 'action_failed',
      reason: 'approval_unknown_call',
    });
  });

  it('cancels the turn in flight and the actions queued before the cancel', async () => {
    const { client, startWorker } = await setUp();
    await startWorker();
    await client.create({ id: 'hangs' });
    const hanging = await client.send('hangs', 'hang for ever');
    await firstValueFrom(
      client
        .events('hangs', { after: hanging.afterEventId })
        .pipe(filter((r) => r.event === 'tool-call')),
    );
    const queued = await client.send('hangs', 'turn 2 never runs');
    const cancel = await client.cancel('hangs');
    await expect(client.result(hanging)).rejects.toMatchObject({ code: 'action_cancelled' });
    await expect(client.result(queued)).rejects.toMatchObject({ code: 'action_cancelled' });
    expect(await client.result(cancel)).toMatchObject({ status: 'idle', action: 'cancel' });
    const after = await client.result(await client.send('hangs', 'turn 3 runs'));
    expect(after.turn).toMatchObject({ turn: 2, text: 'Answer to turn 3.' });
  });

  it('refuses actions on a missing conversation with a typed error', async () => {
    const { client, startWorker, store } = await setUp();
    await startWorker();
    const error = await client.send('nobody', 'hello').catch((e: unknown) => e);
    expect(ConversationRuntimeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'conversation_not_found', conversationId: 'nobody' });
    await expect(client.cancel('nobody')).rejects.toMatchObject({ code: 'conversation_not_found' });
    await expect(client.send('bad:id', 'hello')).rejects.toMatchObject({
      code: 'invalid_argument',
    });

    await client.result(await client.create({ id: 'gone' }));
    await expect(client.create({ id: 'gone' })).rejects.toMatchObject({
      code: 'conversation_exists',
    });
    // Its record disappears from the store (a wiped database): the worker says so.
    await store.delete(conversationKey('gone'));
    await expect(client.result(await client.send('gone', 'hello'))).rejects.toMatchObject({
      code: 'conversation_not_found',
    });
  });

  it('reads events from any event id, and serveSSE resumes a browser after Last-Event-ID', async () => {
    const { client, startWorker } = await setUp();
    await startWorker();
    await client.create({ id: 'sse' });
    const sent = await client.send('sse', 'turn 1 for the browser');
    await client.result(sent);
    const all = await firstValueFrom(
      client.events('sse', { after: 0 }).pipe(
        takeThrough(
          (r) => r.event === 'action-end' && (r as { data: { seq: number } }).data.seq === 2,
        ),
        toArray(),
      ),
    );
    const middle = all[Math.floor(all.length / 2)]!.id;
    const tail = await firstValueFrom(
      client
        .events('sse', { after: middle })
        .pipe(take(all.length - all.findIndex((r) => r.id === middle) - 1), toArray()),
    );
    expect(tail.map((r) => r.id)).toEqual(all.filter((r) => r.id > middle).map((r) => r.id));

    const server = createServer((req, res) =>
      serveSSE(client.log('sse'), req, res, { heartbeatMs: 60_000 }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.add(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      const request = get(
        { host: '127.0.0.1', port, path: '/', headers: { 'last-event-id': String(middle) } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
            if (text.includes('event: action-end')) {
              request.destroy();
              resolve(text);
            }
          });
        },
      );
      request.on('error', reject);
    });
    const frameIds = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(frameIds).toEqual(all.filter((r) => r.id > middle).map((r) => r.id));
  });

  it('detects a stolen lease through its version: the worker stops with LeaseLostError and the action completes once', async () => {
    const { client, startWorker, executions } = await setUp();
    const worker = await startWorker();
    const failures: Error[] = [];
    worker.worker.on('failed', (_job, error) => failures.push(error));
    await client.create({ id: 'stolen' });
    const sent = await client.send('stolen', 'steal the lease');
    const outcome = await client.result(sent, { timeoutMs: 30_000 });
    expect(outcome).toMatchObject({
      status: 'idle',
      turn: { turn: 1, text: 'Done after the steal.' },
    });
    // The outcome, final once the conversation was stored, was announced with the commit, which
    // found the lease stolen: that attempt failed, and its retry committed the same outcome.
    await waitFor(async () => (await client.queue.getJobState(sent.jobId)) === 'completed', {
      timeoutMs: 20_000,
      what: 'the action committed by its retry',
    });
    expect(failures.some((e) => LeaseLostError.isInstance(e))).toBe(true);
    expect(failures.find((e) => LeaseLostError.isInstance(e))?.message).toMatch(
      /another worker wrote the lease record/,
    );
    // The tool's result was stored before the loss was seen: the next attempt did not run it again.
    expect([...executions.values()]).toEqual([1]);
  });

  it('uses a conversation kept in memory only while no other worker has advanced it', async () => {
    const { client, startWorker, store } = await setUp();
    const a = await startWorker();
    await client.result(await client.create({ id: 'kept' }));
    const turn = async (n: number) =>
      (await client.result(await client.send('kept', `turn ${n}`), { timeoutMs: 20_000 })).turn;
    expect(await turn(1)).toMatchObject({ turn: 1 });
    // A keeps the conversation in memory; B applies the next turn while A takes no jobs.
    await a.worker.pause();
    const b = await startWorker();
    expect(await turn(2)).toMatchObject({ turn: 2, text: 'Answer to turn 2.' });
    await b.worker.pause();
    a.worker.resume();
    // A must see B's turn: the lease record is no longer the one it released.
    expect(await turn(3)).toMatchObject({ turn: 3, text: 'Answer to turn 3.' });
    expect(await turn(4)).toMatchObject({ turn: 4 });
    const entry = await store.get<{
      snapshot: { context: { messages: Array<{ role: string; content: string }> } };
    }>(conversationKey('kept'));
    const users = entry?.value.snapshot.context.messages.filter((m) => m.role === 'user');
    expect(users?.map((m) => m.content)).toEqual(['turn 1', 'turn 2', 'turn 3', 'turn 4']);
  });

  it('fails at start with typed errors when Redis or the store is unavailable', async () => {
    const client = createConversationClient({
      connection: { host: '127.0.0.1', port: 1 },
      redisTimeoutMs: 500,
    });
    cleanups.add(() => client.close());
    await expect(client.ready()).rejects.toSatisfy((e: unknown) =>
      RedisUnavailableError.isInstance(e),
    );

    const name = uniqueName('conv-down');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    const store = new PostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    cleanups.add(() => store.close());
    const worker = createConversationWorker({
      connection: { url: redis.url },
      name,
      client: createClient({ serverURL: emulator.url, apiKey: 'test', wire: testWire() }),
      store,
      model: 'mistral-small-latest',
      redisTimeoutMs: 2_000,
    });
    cleanups.add(() => worker.close());
    const error = await worker.ready().catch((e: unknown) => e);
    expect(ConversationRuntimeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'store_unavailable' });
  });
});

/** Emits values up to and including the first that matches, then completes. */
function takeThrough<T>(predicate: (value: T) => boolean) {
  return takeWhile<T>((value) => !predicate(value), true);
}
