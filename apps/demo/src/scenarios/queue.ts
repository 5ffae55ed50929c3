import { randomUUID } from 'node:crypto';
import type { MistralFlowsEvents } from '@mistral-flows/core';
import { jobTraceContext } from '@mistral-flows/otel';
import {
  createChatQueue,
  createChatWorker,
  enqueueChat,
  generateWebhookSecret,
  watchBatchJobs,
  type BatchJobWebhookData,
  type ChatWebhookData,
} from '@mistral-flows/queue';
import { EventBus } from '@mistral-flows/stream';
import { deleteKeys, displayRedisUrl, probeRedis } from '../redis.js';
import { Checks, type DemoContext, type Scenario } from '../scenario.js';
import { truncate } from '../terminal/style.js';
import { waitUntil } from '../wait-until.js';
import { startWebhookReceiver, type ReceivedWebhook } from '../webhook-receiver.js';

const JOBS = 20;
const CONCURRENCY = 5;
const JOBS_PER_SECOND = 10;
const BATCH_REQUESTS = 40;
const TERMINAL = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED']);

const TICKETS = [
  'the export button does nothing on Safari',
  'invoices show the wrong currency',
  'password reset emails arrive late',
  'the dashboard is slow with many projects',
  'two-factor codes are rejected',
];

export const queueScenario: Scenario = {
  name: 'queue',
  title: `a BullMQ worker (concurrency ${CONCURRENCY}, ${JOBS_PER_SECOND} jobs/s), signed webhooks, and the batch watcher`,

  async precondition(context) {
    const problem = await probeRedis(context.redisUrl);
    if (problem === undefined) return undefined;
    return (
      `no Redis at ${displayRedisUrl(context.redisUrl)} (${problem}). Start one with ` +
      '`redis-server --daemonize yes` (or `docker run -d -p 6379:6379 redis:7`), or set REDIS_URL'
    );
  },

  async run(context: DemoContext) {
    const { client, out, models, signal } = context;
    const s = out.style;
    const runId = randomUUID().slice(0, 8);
    const name = `mistral-flows-demo-${runId}`;
    const connection = { url: context.redisUrl };
    const secret = generateWebhookSecret();
    const allowHosts = ['127.0.0.1'];
    const cleanups: Array<() => Promise<unknown>> = [];
    const checks = new Checks();

    try {
      const receiver = await startWebhookReceiver(secret);
      cleanups.push(() => receiver.close());
      cleanups.push(() => deleteKeys(context.redisUrl, `bull:${name}*`));
      out.field('redis', `${displayRedisUrl(context.redisUrl)}  queue ${s.bold(name)}`);
      out.field('receiver', `${receiver.url}  every request checked with verifyWebhook`);

      const bus = new EventBus<MistralFlowsEvents>();
      let active = 0;
      let peak = 0;
      let firstActive: number | undefined;
      let lastDone = 0;
      bus.on('queue:active', () => {
        firstActive ??= Date.now();
        active++;
        peak = Math.max(peak, active);
      });
      const settle = () => {
        active--;
        lastDone = Date.now();
      };
      bus.on('queue:completed', settle);
      bus.on('queue:failed', settle);

      const queue = createChatQueue({ connection, name, webhook: { secret, allowHosts } });
      cleanups.push(() => queue.close());
      const worker = createChatWorker({
        connection,
        client,
        name,
        concurrency: CONCURRENCY,
        limiter: { max: JOBS_PER_SECOND, duration: 1_000 },
        webhook: { secret, allowHosts },
        events: bus,
        ...(context.telemetry ? { tracing: context.telemetry.chatJobTracing } : {}),
      });
      cleanups.push(() => worker.close());
      const stopTracing = context.telemetry?.observe(bus);
      if (stopTracing) cleanups.push(async () => stopTracing());

      const chatHooks = () => receiver.received.filter((r) => r.path === '/hooks/chat');
      const bar = out.progress('webhooks', JOBS);
      receiver.onReceive((hook) => {
        if (hook.path !== '/hooks/chat') return;
        const verified = chatHooks().filter((r) => r.verified).length;
        bar.update({ completed: verified, detail: `${active} active` });
        context.report({ completed: verified, total: JOBS });
      });
      const enqueued = await Promise.all(
        Array.from({ length: JOBS }, (_, i) =>
          enqueueChat(
            queue,
            {
              model: models.small,
              messages: [
                {
                  role: 'user',
                  content: `Summarise support ticket #${1001 + i}: ${TICKETS[i % TICKETS.length]}`,
                },
              ],
              callbackUrl: `${receiver.url}/hooks/chat`,
              metadata: { ticket: 1001 + i },
              // --otel: the job joins the scenario's trace (its span is the active one).
              ...traceContextOf(),
            },
            { jobId: `ticket-${1001 + i}` },
          ),
        ),
      );
      await waitUntil(
        () => chatHooks().filter((r) => r.verified || r.error !== undefined).length >= JOBS,
        { what: `${JOBS} webhooks`, timeoutMs: 60_000, signal },
      );
      bar.finish();

      const hooks = chatHooks();
      const verified = hooks.filter((r) => r.verified);
      const refused = hooks.filter((r) => r.error !== undefined);
      const completed = verified.filter((r) => r.payload?.type === 'chat.job.completed');
      const seconds = ((lastDone || Date.now()) - (firstActive ?? Date.now())) / 1_000;
      out.field(
        'jobs',
        `${completed.length}/${enqueued.length} completed in ${seconds.toFixed(1)} s, ` +
          `at most ${peak} at once (concurrency ${CONCURRENCY}, limiter ${JOBS_PER_SECOND} jobs/s)`,
      );
      out.field(
        'webhooks',
        `${hooks.length} received, ${s.green(`${verified.length} verified`)}, ` +
          `${refused.length} refused`,
      );
      const sample = completed[0];
      if (sample) {
        const data = sample.payload!.data as ChatWebhookData;
        out.field('sample', `webhook-id ${sample.id}`);
        out.field('', s.dim(signatureOf(sample)));
        out.fieldTruncated(
          '',
          `${sample.payload!.type} ${data.jobId}: "${(data.result?.content ?? '').replace(/\s+/g, ' ')}"`,
        );
      }
      checks.expect(
        completed.length === JOBS,
        `${completed.length}/${JOBS} chat webhooks verified`,
      );
      checks.expect(peak <= CONCURRENCY, `${peak} jobs ran at once`);

      // Batch jobs: Mistral has no webhooks, the watcher polls and sends them.
      const batchHooks = () => receiver.received.filter((r) => r.path === '/hooks/batch');
      receiver.onReceive((hook) => {
        if (hook.path !== '/hooks/batch') return;
        const data = hook.payload?.data as BatchJobWebhookData | undefined;
        const counts = data
          ? `${data.completedRequests ?? 0}/${data.totalRequests ?? 0} requests`
          : '';
        out.field(
          'webhook',
          `${(hook.payload?.type ?? '?').padEnd(20)} ${hook.verified ? s.green('verified') : s.red(`refused (${hook.error})`)}  ${counts}`,
        );
      });
      const watcher = await watchBatchJobs({
        connection,
        client,
        name: `${name}-batch`,
        selector: { metadata: { demo_run: runId } },
        intervalMs: 200,
        webhook: { url: `${receiver.url}/hooks/batch`, secret, allowHosts },
      });
      cleanups.push(() => watcher.stop());
      const job = await client.batch.jobs.create({
        endpoint: '/v1/chat/completions',
        model: models.small,
        requests: Array.from({ length: BATCH_REQUESTS }, (_, i) => ({
          customId: `q-${i}`,
          body: {
            messages: [{ role: 'user', content: `Tag ticket #${2001 + i}` }],
            max_tokens: 20,
          },
        })),
        metadata: { demo_run: runId },
      });
      out.field('batch job', `${job.id}  ${BATCH_REQUESTS} requests, watched every 200 ms`);
      const terminal = (r: ReceivedWebhook) =>
        TERMINAL.has((r.payload?.data as BatchJobWebhookData | undefined)?.status ?? '');
      await waitUntil(
        () =>
          batchHooks().some(terminal) ||
          // The real API takes minutes: the first webhook shows the flow.
          (context.backend === 'api' && batchHooks().length > 0),
        { what: 'the batch job webhooks', timeoutMs: 60_000, signal },
      );
      if (!batchHooks().some(terminal)) {
        await client.batch.jobs.cancel({ jobId: job.id }).catch(() => undefined);
      }
      const batchTypes = batchHooks().map((r) => r.payload?.type);
      checks.expect(
        batchHooks().length > 0 && batchHooks().every((r) => r.verified),
        'batch webhooks missing or not verified',
      );
      if (context.backend === 'emulator') {
        checks.expect(
          batchTypes.at(-1) === 'batch.job.success',
          `the batch job ended with ${batchTypes.at(-1) ?? 'no webhook'}, not batch.job.success`,
        );
      }

      return checks.result({
        queue: name,
        jobs: { enqueued: enqueued.length, completed: completed.length, peakActive: peak, seconds },
        webhooks: {
          received: hooks.length,
          verified: verified.length,
          refused: refused.length,
          duplicates: hooks.filter((r) => r.duplicate).length,
        },
        batch: {
          jobId: job.id,
          webhooks: batchTypes,
          verified: batchHooks().every((r) => r.verified),
        },
      });
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    }
  },
};

/** The first `v1,` signature of a delivery, shortened. */
function signatureOf(hook: ReceivedWebhook): string {
  const header = hook.headers['webhook-signature'];
  return `webhook-signature ${truncate(String(header ?? '').split(' ')[0] ?? '', 40)}`;
}

/** The active trace, when there is one, for a job's `traceContext`. */
function traceContextOf() {
  const traceContext = jobTraceContext();
  return traceContext ? { traceContext } : {};
}
