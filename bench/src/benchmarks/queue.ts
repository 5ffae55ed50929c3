import { randomUUID } from 'node:crypto';
import { createClient, mapConcurrent } from '@mistral-flows/core';
import {
  createChatQueue,
  createChatWorker,
  type ChatJobData,
  type ChatWorkerOptions,
} from '@mistral-flows/queue';
import type { Mistral } from '@mistralai/mistralai';
import type { ChatCompletionResponse } from '@mistralai/mistralai/models/components';
import { Worker } from 'bullmq';
import { alternate, format, measurement, median, medianRatio, type Benchmark } from '../harness.js';
import { deleteQueueKeys } from '@mistral-flows/testing';
import { REDIS_URL } from '../redis.js';

const connection = { url: REDIS_URL };
const CONCURRENCY = 50;
const NOOP_JOBS = 20_000;
const LATENCY_MS = 50;
const LATENCY_JOBS = 5_000;
const LIMITED_JOBS = 101;

const response: ChatCompletionResponse = {
  id: 'noop',
  object: 'chat.completion',
  model: 'mistral-small-latest',
  created: 0,
  usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
  choices: [{ index: 0, finishReason: 'stop', message: { role: 'assistant', content: 'ok' } }],
};

/** A client whose chat call returns at once: what is measured is the queue, not the model. */
const noopClient = {
  chat: { complete: () => Promise.resolve(response) },
} as unknown as Mistral;

const messages: ChatJobData['messages'] = [{ role: 'user', content: 'ping' }];

/** Fills a fresh queue with `count` chat jobs, removed once completed as a raw setup would. */
async function fill(name: string, count: number): Promise<void> {
  const queue = createChatQueue({ connection, name, removeOnComplete: true });
  try {
    for (let i = 0; i < count; i += 1_000) {
      const batch = Array.from({ length: Math.min(1_000, count - i) }, () => ({
        name: 'chat',
        data: { messages },
      }));
      await queue.queue.addBulk(batch);
    }
  } finally {
    await queue.close();
  }
}

/** Resolves after `count` 'completed' events, with the time from start to the last one. */
function timeCompletions(
  worker: Worker,
  count: number,
): { done: Promise<{ ms: number; times: number[] }>; start: () => void } {
  let started = 0;
  const times: number[] = [];
  const done = new Promise<{ ms: number; times: number[] }>((resolve, reject) => {
    worker.on('completed', () => {
      times.push(performance.now());
      if (times.length === count) resolve({ ms: performance.now() - started, times });
    });
    worker.on('failed', (_job, error) => reject(error));
  });
  return { done, start: () => (started = performance.now()) };
}

/** Jobs per second of a worker over `count` queued jobs, from `run()` to the last completion. */
async function throughput(
  count: number,
  makeWorker: (name: string) => Worker,
  close: (worker: Worker) => Promise<void>,
): Promise<number> {
  const name = `mf-bench-queue-${randomUUID().slice(0, 8)}`;
  try {
    await fill(name, count);
    const worker = makeWorker(name);
    await worker.waitUntilReady();
    const timing = timeCompletions(worker, count);
    timing.start();
    void worker.run();
    const { ms } = await timing.done;
    await close(worker);
    return (count / ms) * 1000;
  } finally {
    await deleteQueueKeys(REDIS_URL, [name]);
  }
}

function ours(client: Mistral, options: Partial<ChatWorkerOptions> = {}) {
  const workers = new Map<Worker, () => Promise<void>>();
  return {
    make: (name: string) => {
      const chatWorker = createChatWorker({
        connection,
        client,
        name,
        concurrency: CONCURRENCY,
        limiter: false,
        autorun: false,
        ...options,
      });
      const worker: Worker = chatWorker.worker;
      workers.set(worker, () => chatWorker.close());
      return worker;
    },
    close: (worker: Worker) => workers.get(worker)!(),
  };
}

/** A plain BullMQ worker making the job's chat call with `client`: no validation, no mapping. */
function rawWorker(client: Mistral): (name: string) => Worker {
  return (name) =>
    new Worker(
      name,
      async (job) => {
        const data = job.data as ChatJobData;
        const res = await client.chat.complete({
          model: 'mistral-small-latest',
          messages: data.messages,
        });
        return { content: res.choices[0]?.message?.content, usage: res.usage };
      },
      { connection, concurrency: CONCURRENCY, autorun: false },
    );
}

export const benchmark: Benchmark = {
  name: 'queue',
  title: `BullMQ chat worker: overhead vs a raw BullMQ worker, throughput at ${LATENCY_MS} ms latency, limiter accuracy (concurrency ${CONCURRENCY})`,
  async run(ctx) {
    // 1. Overhead: the same no-op client call in a raw BullMQ worker and in ours.
    const oursNoop = ours(noopClient);
    const samples = await alternate(
      {
        'createChatWorker (no-op call)': () => throughput(NOOP_JOBS, oursNoop.make, oursNoop.close),
        'raw BullMQ Worker (no-op call)': () =>
          throughput(NOOP_JOBS, rawWorker(noopClient), (worker) => worker.close()),
      },
      { rounds: ctx.rounds, warmup: ctx.warmup, log: (line) => ctx.log(line) },
    );
    const oursRate = samples['createChatWorker (no-op call)']!;
    const rawRate = samples['raw BullMQ Worker (no-op call)']!;
    const vsRaw = medianRatio(oursRate, rawRate);

    // 2. Against the emulator (a child process) answering after 50 ms; the same calls made
    // straight from the SDK with mapConcurrent show what this machine allows without a queue.
    const emulator = await ctx.startEmulator(['--ttft-ms', String(LATENCY_MS)]);
    let latency: Record<string, number[]>;
    try {
      const client = createClient({ serverURL: emulator.url, apiKey: 'bench' });
      const withEmulator = ours(client);
      const items = Array.from({ length: LATENCY_JOBS }, (_, i) => i);
      latency = await alternate(
        {
          'createChatWorker (emulator)': () =>
            throughput(LATENCY_JOBS, withEmulator.make, withEmulator.close),
          // The floor of any BullMQ worker here: the same SDK call in a plain processor.
          'raw BullMQ Worker (emulator)': () =>
            throughput(LATENCY_JOBS, rawWorker(client), (worker) => worker.close()),
          'SDK calls, mapConcurrent (emulator)': async () => {
            const started = performance.now();
            await mapConcurrent(
              items,
              () => client.chat.complete({ model: 'mistral-small-latest', messages }),
              { concurrency: CONCURRENCY },
            );
            return (LATENCY_JOBS / (performance.now() - started)) * 1000;
          },
        },
        { rounds: Math.min(ctx.rounds, 3), warmup: ctx.warmup, log: (line) => ctx.log(line) },
      );
    } finally {
      await emulator.close();
    }
    const latencyRates = latency['createChatWorker (emulator)']!;
    const bareRates = latency['SDK calls, mapConcurrent (emulator)']!;
    const rawLatencyRates = latency['raw BullMQ Worker (emulator)']!;
    const rawVsBare = medianRatio(rawLatencyRates, bareRates);
    const ideal = (CONCURRENCY * 1000) / LATENCY_MS;
    const ofIdeal = median(latencyRates) / ideal;
    const vsBare = medianRatio(latencyRates, bareRates);

    // 3. The default limiter, 10 jobs per second: 101 jobs span ten windows.
    const limiterRates: number[] = [];
    for (let round = 0; round < Math.min(ctx.rounds, 2); round++) {
      const name = `mf-bench-queue-${randomUUID().slice(0, 8)}`;
      try {
        await fill(name, LIMITED_JOBS);
        const limited = ours(noopClient, { limiter: { max: 10, duration: 1_000 } });
        const worker = limited.make(name);
        await worker.waitUntilReady();
        const timing = timeCompletions(worker, LIMITED_JOBS);
        timing.start();
        void worker.run();
        const { times } = await timing.done;
        await limited.close(worker);
        const rate = ((LIMITED_JOBS - 1) / (times.at(-1)! - times[0]!)) * 1000;
        ctx.log(`  limiter 10/s round ${round + 1}: ${format(rate)} jobs/s`);
        limiterRates.push(rate);
      } finally {
        await deleteQueueKeys(REDIS_URL, [name]);
      }
    }

    return {
      name: 'queue',
      title: this.title,
      measurements: [
        measurement('createChatWorker, no-op call', 'throughput', 'jobs/s', oursRate),
        measurement('raw BullMQ Worker, no-op call', 'throughput', 'jobs/s', rawRate),
        measurement(`ideal at ${LATENCY_MS} ms x ${CONCURRENCY}`, 'throughput', 'jobs/s', [ideal]),
        measurement(
          `createChatWorker, emulator ${LATENCY_MS} ms`,
          'throughput',
          'jobs/s',
          latencyRates,
        ),
        measurement(
          `raw BullMQ Worker, emulator ${LATENCY_MS} ms`,
          'throughput',
          'jobs/s',
          rawLatencyRates,
        ),
        measurement(
          'SDK calls + mapConcurrent, no queue, emulator',
          'throughput',
          'jobs/s',
          bareRates,
        ),
        measurement('createChatWorker, limiter 10/s', 'throughput', 'jobs/s', limiterRates),
      ],
      goals: [
        {
          name: 'no-op throughput vs raw BullMQ (median of per-round ratios)',
          target: '>= 0.9x',
          actual: `${format(vsRaw)}x`,
          met: vsRaw >= 0.9,
        },
        {
          name: `throughput at ${LATENCY_MS} ms latency vs the ideal ${format(ideal)} jobs/s`,
          target: '>= 95%',
          actual: `${format(ofIdeal * 100)}%`,
          met: ofIdeal >= 0.95,
        },
        {
          name: `throughput at ${LATENCY_MS} ms latency vs the same SDK calls without a queue (the no-queue ceiling)`,
          target: '>= 0.95x',
          actual: `${format(vsBare)}x`,
          met: vsBare >= 0.95,
        },
        {
          name: `the same for a raw BullMQ Worker making the same call (the floor of a queue here)`,
          target: 'none',
          actual: `${format(rawVsBare)}x`,
          met: true,
        },
        {
          name: 'limiter at 10 jobs/s',
          target: '9.5 to 10',
          actual: limiterRates.map((r) => format(r)).join(', '),
          met: limiterRates.every((r) => r >= 9.5 && r <= 10),
        },
      ],
      notes: [
        `Each throughput round queues ${NOOP_JOBS.toLocaleString('en-US')} jobs (${LATENCY_JOBS.toLocaleString('en-US')} with the emulator) before the worker starts, and times run() to the last 'completed' event; completed jobs are removed, as a raw setup would.`,
        'Both no-op contenders call the same in-process function instead of the SDK; ours also validates, classifies and maps the response into a ChatJobResult.',
        `At ${LATENCY_MS} ms, the SDK (it validates every request and response), the emulator and Redis share this machine's cores: the no-queue row is the ceiling they leave, while the ideal assumes free CPU.`,
        `The limiter rate is (jobs - 1) / (last completion - first completion) over ${LIMITED_JOBS} jobs, that is ten full windows of BullMQ's limiter.`,
      ],
    };
  },
};
