import { createConversation } from '@mistral-flows/agents';
import { createClient } from '@mistral-flows/core';
import { RedisStore } from '@mistral-flows/core/redis';
import { createConversationClient, createConversationWorker } from '@mistral-flows/queue';
import { deleteQueueKeys } from '@mistral-flows/testing';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { childScript, spawnNode } from '../chaos/node-child.js';
import { alternate, format, measurement, median, type Benchmark } from '../harness.js';
import { REDIS_URL } from '../redis.js';

/** Turns per round and contender: 10 conversations of 5 turns. */
const CONVERSATIONS = 10;
const TURNS = 5;

/** Median time of one turn, over `CONVERSATIONS` conversations of `TURNS` turns, one at a time. */
async function turnLatency(run: (id: string, turn: number) => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let c = 0; c < CONVERSATIONS; c++) {
    const id = `bench-${Date.now()}-${c}`;
    for (let t = 1; t <= TURNS; t++) {
      const start = performance.now();
      await run(id, t);
      times.push(performance.now() - start);
    }
  }
  return median(times);
}

export const benchmark: Benchmark = {
  name: 'conversations',
  title:
    'Distributed conversations: time a turn adds through the queue (client -> BullMQ -> worker -> event log) against in-process createConversation,' +
    ' (store write latency: the store benchmark)',
  async run(ctx) {
    const emulator = await ctx.startEmulator(['--ttft-ms', '0', '--token-ms', '0']);
    const name = `mf-bench-conversations-${process.pid}`;
    const namespace = `bull:${name}:store:`;
    const redisStore = new RedisStore({ url: REDIS_URL, namespace });
    const client = createClient({ serverURL: emulator.url, apiKey: 'bench' });
    const worker = createConversationWorker({
      connection: { url: REDIS_URL },
      name,
      client,
      store: redisStore,
      model: 'mistral-small-latest',
      streaming: false,
      orderRetryMs: 20,
    });
    const conversations = createConversationClient({ connection: { url: REDIS_URL }, name });
    // The same path with the worker in a process of its own, as deployed: web node and worker.
    const remoteName = `${name}-remote`;
    const remoteChild = spawnNode(childScript('bench-conversation-worker'), [
      REDIS_URL,
      remoteName,
      emulator.url,
      'redis',
      `bull:${remoteName}:store:`,
      '10000',
    ]);
    const remote = createConversationClient({ connection: { url: REDIS_URL }, name: remoteName });
    // The floor of "each action is a BullMQ job": a job that does nothing, added and awaited.
    const bareName = `${name}-bare`;
    const bareQueue = new Queue(bareName, { connection: { url: REDIS_URL } });
    const bareWorker = new Worker(bareName, async () => 'done', {
      connection: { url: REDIS_URL },
      concurrency: 10,
    });
    const bareEvents = new QueueEvents(bareName, { connection: { url: REDIS_URL } });
    // The same round trips as an action, without a conversation: a number (INCR), a job, two
    // compare-and-set writes of a lease record in the store, an outcome on a stream, read back.
    const skeletonName = `${name}-skeleton`;
    const skeletonQueue = new Queue<{ id: string; seq: number }>(skeletonName, {
      connection: { url: REDIS_URL },
    });
    const skeletonRedis = new Redis(REDIS_URL);
    const skeletonReader = new Redis(REDIS_URL);
    const endsKey = `bull:${skeletonName}:ends`;
    const skeletonWorker = new Worker<{ id: string; seq: number }>(
      skeletonName,
      async (job) => {
        const key = `skeleton-lease:${job.data.id}`;
        const entry = await redisStore.get<{ owner: string | null }>(key);
        const taken = await redisStore.set(
          key,
          { owner: 'bench' },
          { ifVersion: entry?.version ?? 0 },
        );
        await redisStore.set(key, { owner: null }, { ifVersion: taken.version });
        await skeletonRedis.xadd(endsKey, '*', 's', String(job.data.seq));
        return 'done';
      },
      { connection: { url: REDIS_URL }, concurrency: 10 },
    );
    try {
      await worker.ready();
      await conversations.ready();
      await remote.ready();
      if (!(await remoteChild.waitForLine((l) => l.startsWith('ready'), 30_000))) {
        throw new Error(`the worker process did not start: ${remoteChild.stderr()}`);
      }
      await Promise.all([
        bareQueue.waitUntilReady(),
        bareWorker.waitUntilReady(),
        bareEvents.waitUntilReady(),
      ]);
      const local = new Map<string, ReturnType<typeof createConversation>>();
      const turns = await alternate(
        {
          'createConversation (in process, RedisStore)': () =>
            turnLatency(async (id, turn) => {
              let chat = local.get(id);
              if (!chat) {
                chat = createConversation({
                  client,
                  model: 'mistral-small-latest',
                  store: redisStore,
                  id: `local-${id}`,
                  streaming: false,
                });
                local.set(id, chat);
              }
              await chat.send(`question ${turn}`);
              if (turn === TURNS) await chat.close();
            }),
          'conversation client -> worker (RedisStore)': () =>
            turnLatency(async (id, turn) => {
              if (turn === 1) await conversations.result(await conversations.create({ id }));
              await conversations.result(await conversations.send(id, `question ${turn}`));
            }),
          'conversation client -> worker process (RedisStore)': () =>
            turnLatency(async (id, turn) => {
              if (turn === 1) await remote.result(await remote.create({ id }));
              await remote.result(await remote.send(id, `question ${turn}`));
            }),
          'the same round trips without a conversation': () =>
            turnLatency(async (id) => {
              const seq = await skeletonRedis.incr(`bull:${skeletonName}:seq:${id}`);
              const last = await skeletonRedis.xrevrange(endsKey, '+', '-', 'COUNT', 1);
              await skeletonQueue.add('action', { id, seq }, { jobId: `${id}.${seq}` });
              let cursor = last[0]?.[0] ?? '0-0';
              for (;;) {
                const reply = await skeletonReader.xread(
                  'BLOCK',
                  5_000,
                  'STREAMS',
                  endsKey,
                  cursor,
                );
                const entries = reply?.[0]?.[1] ?? [];
                if (entries.some(([, fields]) => fields[1] === String(seq))) break;
                cursor = entries.at(-1)?.[0] ?? cursor;
              }
            }),
          'a BullMQ job that does nothing (add, run, wait)': () =>
            turnLatency(async () => {
              const job = await bareQueue.add('noop', {}, { removeOnComplete: { count: 1_000 } });
              await job.waitUntilFinished(bareEvents);
            }),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: (line) => ctx.log(line) },
      );
      const inProcess = turns['createConversation (in process, RedisStore)']!;
      const distributed = turns['conversation client -> worker (RedisStore)']!;
      const added = distributed.map((value, i) => value - inProcess[i]!);
      const inWorkerProcess = turns['conversation client -> worker process (RedisStore)']!;
      const addedApart = inWorkerProcess.map((value, i) => value - inProcess[i]!);
      const bare = turns['a BullMQ job that does nothing (add, run, wait)']!;
      const skeleton = turns['the same round trips without a conversation']!;

      const addedMs = median(addedApart);
      const addedTogetherMs = median(added);
      return {
        name: 'conversations',
        title: this.title,
        measurements: [
          measurement('createConversation (in process)', 'turn p50', 'ms', inProcess),
          measurement('client -> BullMQ -> worker process', 'turn p50', 'ms', inWorkerProcess),
          measurement('added, worker in its own process', 'turn p50', 'ms', addedApart),
          measurement('client -> BullMQ -> worker in this process', 'turn p50', 'ms', distributed),
          measurement('added, worker in this process', 'turn p50', 'ms', added),
          measurement('floor: a BullMQ job that does nothing', 'round trip p50', 'ms', bare),
          measurement(
            "floor: an action's round trips without a conversation",
            'round trip p50',
            'ms',
            skeleton,
          ),
        ],
        goals: [
          {
            name: 'time a turn adds on the distributed path, worker in its own process (p50)',
            target: '<= 2 ms',
            actual: `${format(addedMs)} ms`,
            met: addedMs <= 2,
          },
          {
            name: 'the same with the worker in the client process (p50)',
            target: '<= 2 ms',
            actual: `${format(addedTogetherMs)} ms`,
            met: addedTogetherMs <= 2,
          },
        ],
        notes: [
          `${CONVERSATIONS} conversations of ${TURNS} turns per round and contender, one turn at a time, emulator answering at once (no streaming); the distributed path is one worker (concurrency 10), in a process of its own as deployed (web node and worker), and again in the benchmark's process, where the worker's CPU and the client's share one thread; Redis on this machine.`,
          `The floor: a BullMQ job that does nothing, added and awaited (QueueEvents), ${format(median(bare))} ms at p50 in the same run. A distributed action costs that plus two lease writes in the store and its events.`,
        ],
      };
    } finally {
      await skeletonWorker.close();
      await skeletonQueue.close();
      skeletonRedis.disconnect();
      skeletonReader.disconnect();
      await remoteChild.kill();
      await remote.close();
      await bareEvents.close();
      await bareWorker.close();
      await bareQueue.close();
      await conversations.close();
      await worker.close();
      await redisStore.close();
      await emulator.close();
      await deleteQueueKeys(REDIS_URL, [name, bareName, remoteName, skeletonName]);
    }
  },
};
