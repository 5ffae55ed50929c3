import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createChatQueue,
  deadLetterQueueName,
  enqueueChat,
  generateWebhookSecret,
  memoryReplayGuard,
  verifyWebhook,
  webhookQueueName,
  type DeadLetter,
} from '@mistral-flows/queue';
import { deleteQueueKeys } from '@mistral-flows/testing';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../redis.js';
import { Findings, emulatorStats, sleep, until, type ChaosRun } from './chaos-run.js';
import { childScript, spawnNode, type NodeChild } from './node-child.js';
import { recordingProxy } from './queue.js';
import type { ModelCall } from './queue-bookkeeping.js';
import { createRandom } from './random.js';

const JOBS = 200;
/** The deadline of one model call in the workers. */
const TIMEOUT_MS = 1_000;
const ATTEMPTS = 4;
/** Waits between attempts (500 ms doubling): 0.5 + 1 + 2 s, more than the Redis fault lasts. */
const BACKOFF_TOTAL_MS = 3_500;
/** Every job must have ended (completed, or failed with its failure delivered) by then. */
const DEADLINE_MS = 90_000;

type Kind = 'normal' | 'hang-once' | 'hang-always';

interface Delivery {
  type: string;
  jobId: string;
  errorCode: string | undefined;
}

/**
 * The webhook receiver: verifies every request with `verifyWebhook` and a replay guard, marks each
 * processed id, and records what it accepted. A repeat of a processed id counts as a duplicate.
 */
class Receiver {
  readonly accepted = new Map<string, Delivery>();
  readonly unverified: string[] = [];
  duplicates = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly guard = memoryReplayGuard();
  url = '';

  constructor(private readonly secret: string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        verifyWebhook<{ type: string; data: { jobId: string; error?: { code: string } } }>(
          body,
          req.headers,
          this.secret,
          { replayGuard: this.guard },
        )
          .then(async (webhook) => {
            this.accepted.set(webhook.id, {
              type: webhook.payload.type,
              jobId: webhook.payload.data.jobId,
              errorCode: webhook.payload.data.error?.code,
            });
            await webhook.markProcessed();
            res.writeHead(204).end();
          })
          .catch((error: unknown) => {
            const code = (error as { code?: string }).code;
            if (code === 'webhook_replayed') {
              this.duplicates++;
              res.writeHead(204).end();
              return;
            }
            this.unverified.push(error instanceof Error ? error.message : String(error));
            res.writeHead(code === 'webhook_in_progress' ? 409 : 400).end();
          });
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
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
 * Chat jobs whose model call never answers, on two worker processes with a 1 s deadline per call
 * (one sets the worker's `timeoutMs`, the other builds its SDK client with `timeoutMs`), half of
 * them streamed; while the first answers come in, Redis refuses to queue webhooks for a moment,
 * so that jobs whose model answered fail after the call. Checks that every job ends (completed, or
 * failed after its attempts with the failure delivered and dead-lettered), that every job's event
 * is delivered once, that no job whose answer was kept calls the model again, and that every
 * timed-out call was closed by the worker within its deadline.
 */
export const chaos: ChaosRun = {
  name: 'queue-hang',
  title: `a model that never answers in the queue worker: ${JOBS} jobs, some hanging once or for good, 1 s deadlines, webhook enqueues refused for a moment`,
  budgetMs: 3 * 60_000,
  async run(ctx) {
    const f = new Findings();
    const seed = ctx.seed + 5;
    const random = createRandom(seed);
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

    const kinds = new Map<string, Kind>();
    const streamed = new Set<string>();
    for (let i = 0; i < JOBS; i++) {
      const roll = random();
      kinds.set(`job-${i}`, roll < 0.08 ? 'hang-always' : roll < 0.23 ? 'hang-once' : 'normal');
      if (random() < 0.5) streamed.add(`job-${i}`);
    }
    const ofKind = (kind: Kind) => [...kinds].filter(([, k]) => k === kind).map(([id]) => id);
    const rules = [...kinds]
      .filter(([, kind]) => kind !== 'normal')
      .map(([jobId, kind]) => ({
        match: { lastUserMessage: `\\[${jobId}\\]` },
        fault: 'timeout',
        ...(kind === 'hang-once' ? { times: 1 } : {}),
      }));
    const dir = mkdtempSync(join(tmpdir(), 'mf-chaos-hang-'));
    const scenarios = join(dir, 'scenarios.json');
    writeFileSync(scenarios, JSON.stringify({ rules }));

    const name = `mf-chaos-hang-${randomUUID().slice(0, 8)}`;
    const secret = generateWebhookSecret();
    const connection = { url: REDIS_URL };
    const emulator = await ctx.startEmulator(['--ttft-ms', '50', '--scenarios', scenarios]);
    const calls: ModelCall[] = [];
    const modes = ['worker', 'client'] as const;
    const proxies = await Promise.all(
      modes.map((mode) => recordingProxy(emulator.url, mode, calls)),
    );
    const receiver = new Receiver(secret);
    await receiver.start();
    const queue = createChatQueue({
      connection,
      name,
      webhook: { secret, allowHosts: ['127.0.0.1'] },
    });
    const events = new QueueEvents(name, { connection });
    const retried = new Set<string>();
    events.on('delayed', ({ jobId }) => retried.add(jobId));
    const workers: NodeChild[] = [];
    const idKey = `bull:${webhookQueueName(name)}:id`;
    try {
      await events.waitUntilReady();
      for (const [i, mode] of modes.entries()) {
        workers.push(
          spawnNode(childScript('queue-hang-worker'), [
            REDIS_URL,
            name,
            proxies[i]!.url,
            secret,
            mode,
            String(TIMEOUT_MS),
            String(ATTEMPTS),
          ]),
        );
      }
      for (const w of workers) {
        const ready = await w.waitForLine((l) => l.startsWith('ready'), 30_000);
        if (!ready) throw new Error(`a worker process did not start: ${w.stderr().slice(-400)}`);
      }

      // Redis refuses to queue webhooks: BullMQ's add script starts by incrementing the delivery
      // queue's id counter, which fails while the counter is not a number.
      await redis.set(idKey, 'refused');
      const started = Date.now();
      await Promise.all(
        [...kinds.keys()].map((jobId) =>
          enqueueChat(
            queue,
            {
              messages: [{ role: 'user', content: `[${jobId}] Summarise ticket ${jobId}.` }],
              callbackUrl: receiver.url,
              stream: streamed.has(jobId),
            },
            { jobId },
          ),
        ),
      );
      ctx.log(`  ${JOBS} jobs queued in ${Date.now() - started} ms`);
      await until(() => calls.filter((c) => c.ok).length >= 20, 30_000, 5);
      await sleep(500); // answers keep coming in while webhooks are refused
      await redis.del(idKey);
      const refusedMs = Date.now() - started;
      ctx.log(
        `  webhook enqueues refused for ${refusedMs} ms; ${retried.size} jobs retried so far`,
      );

      const expectedDeliveries = JOBS;
      const allEnded = await until(
        async () => {
          if (receiver.accepted.size < expectedDeliveries) return false;
          const counts = await queue.queue.getJobCounts('active', 'waiting', 'delayed');
          return counts.active === 0 && counts.waiting === 0 && counts.delayed === 0;
        },
        DEADLINE_MS,
        100,
      );
      const elapsed = Date.now() - started;
      await until(() => calls.every((c) => c.closed !== undefined), 5_000);

      // What became of each job.
      const jobs = new Map<string, { state: string; attemptsMade: number }>();
      // Jobs that failed an attempt after their model had answered: BullMQ keeps the error of
      // each failed attempt in the job's stack traces.
      const webhookEnqueueFailures = new Set<string>();
      for (const jobId of kinds.keys()) {
        const job = await queue.queue.getJob(jobId);
        jobs.set(jobId, {
          state: job ? await job.getState() : 'missing',
          attemptsMade: job?.attemptsMade ?? 0,
        });
        if (job?.stacktrace?.some((trace) => /not an integer/.test(trace))) {
          webhookEnqueueFailures.add(jobId);
        }
      }
      const deadLetters = new Queue<DeadLetter>(deadLetterQueueName(name), { connection });
      const letters = (await deadLetters.getWaiting(0, -1)).map((j) => j.data);
      await deadLetters.close();
      const stats = await emulatorStats(emulator.url);
      const deliveredByJob = new Map<string, Delivery[]>();
      for (const delivery of receiver.accepted.values()) {
        deliveredByJob.set(delivery.jobId, [
          ...(deliveredByJob.get(delivery.jobId) ?? []),
          delivery,
        ]);
      }
      const callsOf = (jobId: string) => calls.filter((c) => c.jobId === jobId);

      // Nothing hung: every job ended, in time.
      f.check(
        allEnded,
        `not every job ended within ${DEADLINE_MS / 1000} s: ${JSON.stringify(await queue.queue.getJobCounts())}`,
      );
      const problems: string[] = [];
      for (const [jobId, kind] of kinds) {
        const job = jobs.get(jobId)!;
        const delivered = deliveredByJob.get(jobId) ?? [];
        const own = callsOf(jobId);
        const answered = own.filter((c) => c.ok).length;
        const unanswered = own.filter((c) => !c.ok).length;
        if (kind === 'hang-always') {
          if (job.state !== 'failed' || job.attemptsMade !== ATTEMPTS)
            problems.push(`${jobId} (${kind}): ${job.state} after ${job.attemptsMade} attempts`);
          if (delivered.length !== 1 || delivered[0]!.type !== 'chat.job.failed')
            problems.push(`${jobId} (${kind}): delivered ${JSON.stringify(delivered)}`);
          else if (delivered[0]!.errorCode !== 'timeout')
            problems.push(`${jobId} (${kind}): failure code ${delivered[0]!.errorCode}`);
          if (!letters.some((l) => l.source.jobId === jobId && l.error.code === 'timeout'))
            problems.push(`${jobId} (${kind}): no dead letter with code timeout`);
          if (unanswered !== ATTEMPTS || answered !== 0)
            problems.push(
              `${jobId} (${kind}): ${unanswered} unanswered, ${answered} answered calls`,
            );
        } else {
          if (job.state !== 'completed') problems.push(`${jobId} (${kind}): ${job.state}`);
          if (delivered.length !== 1 || delivered[0]!.type !== 'chat.job.completed')
            problems.push(`${jobId} (${kind}): delivered ${JSON.stringify(delivered)}`);
          const hangs = kind === 'hang-once' ? 1 : 0;
          if (unanswered !== hangs || answered !== 1)
            problems.push(
              `${jobId} (${kind}): ${unanswered} unanswered, ${answered} answered calls`,
            );
        }
      }
      f.checkAll(problems, 'jobs that did not end as their fault calls for');
      // Nothing with a kept answer ran twice.
      const rerun = [...kinds.keys()].filter(
        (jobId) => callsOf(jobId).filter((c) => c.ok).length > 1,
      );
      f.checkAll(rerun, 'jobs whose model answered more than once');
      f.check(
        webhookEnqueueFailures.size > 0,
        'no job failed on the refused webhook enqueue: the stored answers were not exercised',
      );
      f.check(
        refusedMs < BACKOFF_TOTAL_MS,
        `webhook enqueues were refused for ${refusedMs} ms, longer than the ${BACKOFF_TOTAL_MS} ms of retries a job gets`,
      );
      const retriedWithAnswer = [...webhookEnqueueFailures].filter(
        (jobId) =>
          jobs.get(jobId)?.state === 'completed' && (jobs.get(jobId)?.attemptsMade ?? 0) >= 2,
      );
      // Timed-out calls were given up by the worker within the deadline, and closed.
      const slow = calls
        .filter((c) => !c.ok)
        .map((c) => (c.closed ?? Infinity) - c.start)
        .filter((ms) => ms > TIMEOUT_MS + 2_000);
      f.checkAll(
        slow.map((ms) => `${ms} ms`),
        `unanswered calls held longer than the ${TIMEOUT_MS} ms deadline (+2 s)`,
      );
      f.check(
        stats.modelCalls.inFlight === 0,
        `${stats.modelCalls.inFlight} model calls still open at the emulator`,
      );
      const expectedTimeouts = ofKind('hang-once').length + ofKind('hang-always').length * ATTEMPTS;
      f.check(
        stats.faultsInjected['timeout'] === expectedTimeouts,
        `the emulator held ${stats.faultsInjected['timeout'] ?? 0} calls unanswered, expected ${expectedTimeouts}`,
      );
      f.check(
        receiver.accepted.size === JOBS && receiver.duplicates === 0,
        `${receiver.accepted.size} distinct webhook-ids accepted for ${JOBS} jobs, ${receiver.duplicates} repeats of a processed id`,
      );
      f.checkAll(receiver.unverified, 'deliveries refused by verifyWebhook');
      f.check(
        workers.every((w) => !w.hasExited()),
        `a worker process exited: ${workers.map((w) => w.stderr().slice(-300)).join(' | ')}`,
      );

      const unansweredCalls = calls.filter((c) => !c.ok);
      const heldMs = unansweredCalls.map((c) => (c.closed ?? c.start) - c.start);
      const completed = [...jobs.values()].filter((j) => j.state === 'completed').length;
      const failed = [...jobs.values()].filter((j) => j.state === 'failed').length;
      f.tried.push(
        `${JOBS} chat jobs with a callback URL (${streamed.size} streamed) on two worker processes (concurrency 5 each, ${ATTEMPTS} attempts, backoff 0.5 s doubling); every model call has a ${TIMEOUT_MS} ms deadline, set by the worker's timeoutMs in one process and by createClient({ timeoutMs }) in the other; Redis ${REDIS_URL}; seed ${seed}`,
        `the emulator never answers (timeout fault, the connection left open) the first call of ${ofKind('hang-once').length} jobs and every call of ${ofKind('hang-always').length} jobs`,
        `Redis refused to queue webhooks for the first ${refusedMs} ms (the delivery queue's id counter set to a non-number): ${webhookEnqueueFailures.size} jobs failed after their model had answered`,
      );
      f.survived.push(
        `every job ended within ${Math.round(elapsed / 1000)} s: ${completed} completed, ${failed} failed after ${ATTEMPTS} timed-out attempts, each dead-lettered with code timeout and its chat.job.failed webhook delivered; nothing left active, waiting or delayed`,
        `${receiver.accepted.size} webhook-ids accepted for ${JOBS} jobs (one event each, verified by verifyWebhook with a replay guard), ${receiver.duplicates} repeats of a processed id`,
        `model calls: ${calls.length} (${calls.length - unansweredCalls.length} answered, ${unansweredCalls.length} timed out, held ${Math.min(...heldMs)} to ${Math.max(...heldMs)} ms before the worker gave up); ${rerun.length} jobs answered more than once; the ${webhookEnqueueFailures.size} jobs whose webhook enqueue was refused delivered their kept answer on a later attempt (${retriedWithAnswer.length} completed after 2 or more attempts) without another call; ${stats.modelCalls.inFlight} calls still open at the emulator`,
      );
      Object.assign(f.facts, {
        jobs: JOBS,
        hangOnce: ofKind('hang-once').length,
        hangAlways: ofKind('hang-always').length,
        completed,
        failed,
        modelCalls: calls.length,
        timedOutCalls: unansweredCalls.length,
        webhookEnqueueFailures: webhookEnqueueFailures.size,
        answeredTwice: rerun.length,
        deliveries: receiver.accepted.size,
        elapsedMs: elapsed,
      });
      return { name: 'queue-hang', title: this.title, seed, ...f };
    } finally {
      // Clean-up: the findings are made; a failure to tidy up changes none of them.
      for (const w of workers) await w.kill();
      await redis.del(idKey).catch(() => 0);
      redis.disconnect();
      await events.close().catch(() => undefined);
      await queue.close();
      await receiver.stop();
      await Promise.all(proxies.map((p) => p.close()));
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
      await deleteQueueKeys(REDIS_URL, [name]).catch(() => undefined);
    }
  },
};
