import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  createChatQueue,
  deadLetterQueueName,
  enqueueChat,
  generateWebhookSecret,
  verifyWebhook,
  webhookQueueName,
} from '@mistral-flows/queue';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { Findings, emulatorStats, sleep, until, type ChaosRun } from './chaos-run.js';
import { childScript, spawnNode, type NodeChild } from './node-child.js';
import { checkModelCalls, type ModelCall } from './queue-bookkeeping.js';
import { createRandom } from './random.js';
import { deleteQueueKeys } from '@mistral-flows/testing';
import { REDIS_URL } from '../redis.js';

const JOBS = 1_000;
const DOWN_MS = 30_000;
/**
 * Delivery retries: the first six waits add up to 35.25 s, more than the 30 s the receiver is
 * down, so every delivery gets an attempt after it is back (Standard Webhooks' own schedule
 * compressed: immediately, then 0.25 s, 1 s, 2 s, 4 s, 8 s, 20 s, 40 s).
 */
const RETRY_SCHEDULE = [250, 1_000, 2_000, 4_000, 8_000, 20_000, 40_000];

/** A loopback proxy in front of the emulator that records every chat call of one worker. */
export async function recordingProxy(
  target: string,
  worker: string,
  calls: ModelCall[],
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let call: ModelCall | undefined;
      if (req.method === 'POST' && req.url?.includes('/chat/completions')) {
        let jobId = '?';
        try {
          const parsed = JSON.parse(body.toString('utf8')) as {
            messages?: Array<{ content?: unknown }>;
          };
          jobId = /\[(job-\d+)\]/.exec(String(parsed.messages?.[0]?.content))?.[1] ?? '?';
        } catch {
          // recorded as '?', which the check reports
        }
        call = { jobId, worker, start: Date.now(), end: undefined, ok: false };
        calls.push(call);
      }
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream.host },
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          res.on('finish', () => {
            if (call) {
              call.end = Date.now();
              call.ok = upRes.statusCode === 200;
            }
          });
        },
      );
      up.on('error', () => res.destroy());
      res.on('close', () => {
        if (call) call.closed = Date.now();
        if (!res.writableFinished) up.destroy();
      });
      up.end(body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The webhook receiver: verifies every request with `verifyWebhook`, answers 2xx, or 503 while
 * `failing`; `stop()` closes it (connections refused) and `restart()` listens again on the same
 * port, since the callback URL is fixed in the jobs.
 */
class Receiver {
  /** 2xx answers per webhook-id. */
  readonly delivered = new Map<string, number>();
  readonly jobIds = new Set<string>();
  readonly unverified: string[] = [];
  answered503 = 0;
  failing = false;
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly secret: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failing) {
          this.answered503++;
          res.writeHead(503).end();
          return;
        }
        const body = Buffer.concat(chunks);
        verifyWebhook<{ type: string; data: { jobId: string } }>(body, req.headers, this.secret)
          .then(({ id, payload }) => {
            this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
            if (payload.type === 'chat.job.completed') this.jobIds.add(payload.data.jobId);
            res.writeHead(204).end();
          })
          .catch((error: unknown) => {
            this.unverified.push(error instanceof Error ? error.message : String(error));
            res.writeHead(400).end();
          });
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * 1,000 chat jobs with a callback URL shared by two worker processes; one is SIGKILLed mid-run
 * and the webhook receiver is down for 30 s (15 s answering 503, then 15 s refusing
 * connections). Checks 1,000 unique verified deliveries (one per job, by webhook-id), every job
 * completed once, nothing dead-lettered, and the model calls: a recording proxy per worker sees
 * every chat call, and a call may repeat a successful one only for a job the killed worker held.
 */
export const chaos: ChaosRun = {
  name: 'queue',
  title: `${JOBS.toLocaleString('en-US')} queue jobs across two worker processes, one SIGKILLed, the webhook receiver down for ${DOWN_MS / 1000} s`,
  budgetMs: 6 * 60_000,
  async run(ctx) {
    const f = new Findings();
    const random = createRandom(ctx.seed + 2);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      redis.disconnect();
      throw new Error(
        `Redis is not reachable at ${REDIS_URL} (${String(error)}): start one or set REDIS_URL`,
      );
    }
    redis.disconnect();

    const name = `mf-chaos-queue-${randomUUID().slice(0, 8)}`;
    const secret = generateWebhookSecret();
    const connection = { url: REDIS_URL };
    const emulator = await ctx.startEmulator(['--ttft-ms', '100']);
    const calls: ModelCall[] = [];
    const proxies = await Promise.all(
      ['A', 'B'].map((w) => recordingProxy(emulator.url, w, calls)),
    );
    const receiver = new Receiver(secret);
    await receiver.start();
    const queue = createChatQueue({
      connection,
      name,
      webhook: { secret, allowHosts: ['127.0.0.1'] },
    });
    const events = new QueueEvents(name, { connection });
    const stalled = new Set<string>();
    events.on('stalled', ({ jobId }) => stalled.add(jobId));
    const workers: NodeChild[] = [];
    try {
      await events.waitUntilReady();
      const script = childScript('queue-worker');
      for (const proxy of proxies) {
        const child = spawnNode(script, [
          REDIS_URL,
          name,
          proxy.url,
          secret,
          RETRY_SCHEDULE.join(','),
        ]);
        workers.push(child);
      }
      for (const w of workers) {
        const ready = await w.waitForLine((l) => l.startsWith('ready'), 30_000);
        if (!ready) throw new Error(`a worker process did not start: ${w.stderr().slice(-400)}`);
      }
      const [victim, survivor] = workers as [NodeChild, NodeChild];

      const started = Date.now();
      for (let i = 0; i < JOBS; i += 100) {
        await Promise.all(
          Array.from({ length: 100 }, (_, k) =>
            enqueueChat(
              queue,
              {
                messages: [{ role: 'user', content: `[job-${i + k}] Summarise ticket ${i + k}.` }],
                callbackUrl: receiver.url,
              },
              { jobId: `job-${i + k}` },
            ),
          ),
        );
      }
      ctx.log(`  ${JOBS} jobs queued in ${Date.now() - started} ms`);

      // The receiver goes down once deliveries flow: 503 first, then refused connections.
      await until(() => receiver.delivered.size >= 50, 30_000);
      const downAt = Date.now();
      receiver.failing = true;
      const deliveredBeforeDown = receiver.delivered.size;
      ctx.log(`  receiver answering 503 after ${deliveredBeforeDown} deliveries`);
      const outage = (async () => {
        await sleep(DOWN_MS / 2);
        await receiver.stop();
        receiver.failing = false;
        ctx.log(`  receiver refusing connections (port ${receiver.port})`);
        await sleep(DOWN_MS / 2);
        await receiver.start();
        ctx.log(`  receiver back on port ${receiver.port} after ${Date.now() - downAt} ms`);
      })();

      // Kill worker A mid-run, after a random share of the model calls.
      const killAfter = random.int(Math.round(JOBS * 0.25), Math.round(JOBS * 0.5));
      await until(() => calls.filter((c) => c.ok).length >= killAfter, 60_000, 5);
      const killTime = Date.now();
      await victim.kill();
      const okAtKill = calls.filter((c) => c.ok).length;
      const victimInFlight = calls.filter((c) => c.worker === 'A' && !c.ok).length;
      ctx.log(
        `  worker A killed after ${okAtKill} successful model calls (${victimInFlight} of its calls unanswered)`,
      );
      await outage;

      const allDelivered = await until(() => receiver.jobIds.size >= JOBS, 120_000, 100);
      await sleep(2_000); // late duplicates, if any, land now
      const elapsed = Date.now() - started;

      // Queue state.
      const counts = await queue.queue.getJobCounts(
        'completed',
        'failed',
        'active',
        'waiting',
        'delayed',
      );
      const deadLetters = new Queue(deadLetterQueueName(name), { connection });
      const webhooks = new Queue(webhookQueueName(name), { connection });
      const dead = await deadLetters.getJobCounts('waiting', 'completed', 'failed');
      const hooks = await webhooks.getJobCounts('completed', 'failed', 'delayed', 'waiting');
      const finishedOn = new Map<string, number | undefined>();
      for (let i = 0; i < JOBS; i++) {
        const job = await queue.queue.getJob(`job-${i}`);
        finishedOn.set(`job-${i}`, job?.finishedOn);
      }
      await Promise.all([deadLetters.close(), webhooks.close()]);
      const stats = await emulatorStats(emulator.url);

      // Deliveries.
      const duplicates = [...receiver.delivered.values()].filter((n) => n > 1).length;
      f.check(
        allDelivered && receiver.jobIds.size === JOBS,
        `${receiver.jobIds.size} of ${JOBS} jobs had a verified completion delivery within 120 s of the receiver's return`,
      );
      f.check(
        receiver.delivered.size === JOBS,
        `${receiver.delivered.size} distinct webhook-ids delivered, expected ${JOBS} (one per job)`,
      );
      f.checkAll(receiver.unverified, 'deliveries failed verifyWebhook');
      // Jobs.
      f.check(
        counts.completed === JOBS && counts.failed === 0 && counts.active === 0,
        `queue counts at the end: ${JSON.stringify(counts)}`,
      );
      f.check(
        (dead.waiting ?? 0) === 0,
        `${dead.waiting} dead letters (jobs or deliveries that gave up)`,
      );
      f.check(
        [...finishedOn.values()].every((t) => t !== undefined),
        `${[...finishedOn.values()].filter((t) => t === undefined).length} jobs without a finish time`,
      );
      // Model calls.
      const check = checkModelCalls(calls, finishedOn, 'A', killTime);
      f.checkAll(check.violations, 'model call rule violations');
      f.check(
        stats.modelCalls.total === calls.length,
        `the emulator counted ${stats.modelCalls.total} model calls but the proxies recorded ${calls.length}`,
      );
      f.check(
        survivor.hasExited() === false,
        `the surviving worker exited: ${survivor.stderr().slice(-400)}`,
      );

      const byWorker = (w: string) => calls.filter((c) => c.worker === w).length;
      const answeredFirst = check.repeatedJobs.filter((jobId) =>
        calls.some((c) => c.jobId === jobId && c.worker === 'A' && c.ok),
      ).length;
      f.tried.push(
        `${JOBS} chat jobs (enqueueChat with a callback URL) on one BullMQ queue, shared by two worker processes (createChatWorker, concurrency 5 each, emulator at 100 ms per call behind a recording proxy per worker); Redis ${REDIS_URL}; seed ${ctx.seed + 2}`,
        `worker A killed with SIGKILL after ${okAtKill} successful model calls (target ${killAfter}), with ${victimInFlight} of its calls unanswered; BullMQ reported ${stalled.size} stalled jobs, which worker B ran again`,
        `the webhook receiver down for ${DOWN_MS / 1000} s from delivery ${deliveredBeforeDown}: ${DOWN_MS / 2000} s answering 503 (${receiver.answered503} answers), then ${DOWN_MS / 2000} s closed (connections refused), then back on the same port; delivery retries after ${RETRY_SCHEDULE.map((ms) => `${ms / 1000} s`).join(', ')}`,
      );
      f.survived.push(
        `${receiver.jobIds.size} of ${JOBS} jobs delivered, ${receiver.delivered.size} distinct webhook-ids, each accepted only after verifyWebhook passed (${receiver.unverified.length} failed it); ${duplicates} webhook-ids delivered more than once (deduplicated by id); all done ${Math.round(elapsed / 1000)} s after the first enqueue`,
        `queue: ${counts.completed} completed, ${counts.failed} failed, ${dead.waiting ?? 0} dead letters; delivery queue: ${hooks.completed} delivered, ${hooks.failed} failed`,
        `model calls: ${check.calls} for ${JOBS} jobs (A ${byWorker('A')}, B ${byWorker('B')}; the emulator counted ${stats.modelCalls.total}); ${check.extra} extra, on ${check.repeatedJobs.length} jobs the killed worker held, run again by worker B after the kill (${check.repeatedJobs.length - answeredFirst} whose call the kill cut, ${answeredFirst} answered but not yet completed); ${check.violations.length} calls repeated a successful one otherwise`,
      );
      Object.assign(f.facts, {
        jobs: JOBS,
        delivered: receiver.jobIds.size,
        webhookIds: receiver.delivered.size,
        duplicateDeliveries: duplicates,
        unverified: receiver.unverified.length,
        answered503: receiver.answered503,
        modelCalls: check.calls,
        extraCalls: check.extra,
        violations: check.violations.length,
        stalled: stalled.size,
      });
      return { name: 'queue', title: this.title, seed: ctx.seed + 2, ...f };
    } finally {
      for (const w of workers) await w.kill();
      await events.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
      await receiver.stop();
      await Promise.all(proxies.map((p) => p.close()));
      await emulator.close();
      await deleteQueueKeys(REDIS_URL, [name]).catch(() => undefined);
    }
  },
};
