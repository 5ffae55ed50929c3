import { connect, type Socket } from 'node:net';
import { createConversation } from '@mistral-flows/agents';
import { createClient } from '@mistral-flows/core';
import { RedisStore } from '@mistral-flows/core/redis';
import { createConversationClient, createConversationWorker } from '@mistral-flows/queue';
import { deleteQueueKeys } from '@mistral-flows/testing';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { childScript, spawnNode } from '../chaos/node-child.js';
import { alternate, format, measurement, median, type Benchmark } from '../harness.js';
import { REDIS_URL } from '../redis.js';
import { skeletonClient, skeletonWorker } from '../skeleton-action.js';

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
    // The same round trips as an action, without a conversation (number, job, two lease writes,
    // outcome), with the worker in this process and in a process of its own.
    const skeletonName = `${name}-skeleton`;
    const skeleton = skeletonWorker(skeletonName, redisStore, REDIS_URL);
    const skeletonLocal = skeletonClient(skeletonName, REDIS_URL);
    const apartName = `${name}-skeleton-apart`;
    const apartChild = spawnNode(childScript('bench-skeleton-worker'), [
      REDIS_URL,
      apartName,
      `bull:${apartName}:store:`,
    ]);
    const skeletonApart = skeletonClient(apartName, REDIS_URL);
    // What one round trip to another process costs here: back to back, and after the other
    // process has been idle for about a turn (5 ms), as a worker between actions and a client
    // waiting for its outcome are.
    const echoChild = spawnNode(childScript('echo'), []);
    let echo: Socket | undefined;
    try {
      await worker.ready();
      await conversations.ready();
      await remote.ready();
      if (!(await remoteChild.waitForLine((l) => l.startsWith('ready'), 30_000))) {
        throw new Error(`the worker process did not start: ${remoteChild.stderr()}`);
      }
      for (const child of [apartChild, echoChild]) {
        if (!(await child.waitForLine((l) => l.startsWith('ready'), 30_000))) {
          throw new Error(`a benchmark process did not start: ${child.stderr()}`);
        }
      }
      echo = await connectEcho(Number(echoChild.lines[0]!.split(' ')[1]));
      await skeleton.ready();
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
            turnLatency((id) => skeletonLocal.action(id)),
          'the same round trips, worker in its own process': () =>
            turnLatency((id) => skeletonApart.action(id)),
          'a round trip to a process idle for 5 ms': () => echoRoundTrips(echo!, 5),
          'a round trip to a busy process (back to back)': () => echoRoundTrips(echo!, 0),
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
      const skeletonTogether = turns['the same round trips without a conversation']!;
      const skeletonApartMs = turns['the same round trips, worker in its own process']!;
      const idleHop = turns['a round trip to a process idle for 5 ms']!;
      const busyHop = turns['a round trip to a busy process (back to back)']!;

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
            skeletonTogether,
          ),
          measurement(
            'floor: the same, worker in its own process',
            'round trip p50',
            'ms',
            skeletonApartMs,
          ),
          measurement('machine: a round trip to a process idle 5 ms', 'p50', 'ms', idleHop),
          measurement('machine: a round trip to a busy process', 'p50', 'ms', busyHop),
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
          `The floor: a BullMQ job that does nothing, added and awaited (QueueEvents), ${format(median(bare))} ms at p50 in the same run. A distributed action costs that plus two lease writes in the store and its events: ${format(median(skeletonTogether))} ms with the worker in this process, ${format(median(skeletonApartMs))} ms in its own.`,
          `On this machine a round trip to another process costs ${format(median(busyHop))} ms while both are busy and ${format(median(idleHop))} ms once the other has been idle for 5 ms (its core has gone to sleep): a worker between two actions, and a client waiting for an outcome, are such processes.`,
        ],
      };
    } finally {
      echo?.destroy();
      await echoChild.kill();
      await apartChild.kill();
      await skeletonApart.close();
      await skeletonLocal.close();
      await skeleton.close();
      await remoteChild.kill();
      await remote.close();
      await bareEvents.close();
      await bareWorker.close();
      await bareQueue.close();
      await conversations.close();
      await worker.close();
      await redisStore.close();
      await emulator.close();
      await deleteQueueKeys(REDIS_URL, [name, bareName, remoteName, skeletonName, apartName]);
    }
  },
};

/** Connects to the echo process, with Nagle's delay off. */
function connectEcho(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** Median of 50 one-byte round trips to the echo process, each after `idleMs` of idling. */
async function echoRoundTrips(socket: Socket, idleMs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    const start = performance.now();
    const answered = new Promise((resolve) => socket.once('data', resolve));
    socket.write('x');
    await answered;
    times.push(performance.now() - start);
  }
  return median(times);
}
