import type { Mistral } from '@mistralai/mistralai';
import type { BatchJob, BatchJobStatus } from '@mistralai/mistralai/models/components';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { deadLetterQueueName } from '../dead-letters/dead-letter.js';
import type { QueueEventSink } from '../internal/event-sink.js';
import { checkCallbackUrl } from '../webhook/callback-url.js';
import {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookOptions,
} from '../webhook/webhook-dispatcher.js';
import { webhookId } from '../webhook/webhook-message.js';
import { batchEventType, batchWebhookData } from './batch-job-event.js';
import { StatusTransitions } from './status-transitions.js';
import { closeWhenReady } from '../internal/close-bullmq.js';
import { ConnectionWatch } from '../internal/connection-watch.js';

/** Which batch jobs to watch. Every field given must match. */
export interface BatchJobSelector {
  /** These jobs, by id (read one by one with `batch.jobs.get`). */
  ids?: readonly string[];
  /** Jobs whose metadata has these values (listed with `batch.jobs.list`). */
  metadata?: Record<string, string>;
  model?: string;
  agentId?: string;
  status?: BatchJobStatus[];
  createdAfter?: Date;
}

export interface WatchBatchJobsOptions {
  connection: ConnectionOptions;
  client: Mistral;
  selector: BatchJobSelector;
  /** Time between polls (default 10 s). */
  intervalMs?: number;
  /** Where `batch.job.<status>` webhooks go, signed with `secret`. */
  webhook: WebhookOptions & { url: string };
  /** Name of the watcher's queue (default `mistral-batch-watch`); one name per selector. */
  name?: string;
  prefix?: string;
  events?: QueueEventSink;
  /**
   * How long `watchBatchJobs` waits for Redis before failing with `RedisUnavailableError`, and
   * `close()` before it disconnects (default 10 s).
   */
  redisTimeoutMs?: number;
}

/** One poll's findings. */
export interface BatchPollResult {
  /** Jobs that matched the selector. */
  jobs: number;
  /** Status changes recorded by this poll (each has queued one webhook). */
  transitions: Array<{ id: string; from: string | null; to: string }>;
}

export interface BatchWatcher {
  readonly name: string;
  readonly queue: Queue;
  readonly worker: Worker;
  readonly webhooks: WebhookDispatcher;
  /** Polls now, besides the schedule. */
  poll(): Promise<BatchPollResult>;
  /** Stops this process's worker; the schedule stays in Redis for the next watcher to serve. */
  close(): Promise<void>;
  /** Removes the schedule from Redis, then closes. */
  stop(): Promise<void>;
}

const SCHEDULER_ID = 'poll';
const PAGE_SIZE = 100;

/**
 * Turns polling into webhooks, which Mistral's batch API does not have: a BullMQ job scheduler
 * polls the selected batch jobs every `intervalMs`, and each status change queues one signed
 * `batch.job.<status lowercased>` webhook (`batch.job.queued`, `.running`, `.success`, ...) with
 * the job's counters. The last seen status of each job lives in Redis and is updated atomically
 * with the webhook's entry in an outbox, which is then queued under a `webhook-id` derived from
 * the job and the status: a watcher that restarts, or two that poll at once, send each
 * transition once. A job first seen in a later status gets that status's webhook only.
 *
 * @example
 * const watcher = await watchBatchJobs({ connection, client, selector: { metadata: { team: 'search' } },
 *   intervalMs: 30_000, webhook: { url: 'https://example.com/hooks/batch', secret } });
 */
export async function watchBatchJobs(options: WatchBatchJobsOptions): Promise<BatchWatcher> {
  const { connection, client, selector, intervalMs = 10_000, prefix, events } = options;
  const name = options.name ?? 'mistral-batch-watch';
  const { url, ...webhookOptions } = options.webhook;
  checkCallbackUrl(url, { allowHosts: webhookOptions.allowHosts ?? [] });
  const base = { connection, ...(prefix !== undefined ? { prefix } : {}) };
  const watch = new ConnectionWatch(connection, options.redisTimeoutMs);
  const webhooks = createWebhookDispatcher({
    ...webhookOptions,
    ...base,
    name: `${name}-webhooks`,
    deadLetterQueue: deadLetterQueueName(name),
    redisTimeoutMs: watch.timeoutMs,
    ...(events ? { events } : {}),
  });
  const queue = watch.listen(new Queue(name, base));
  const doing = `starting batch watcher ${name}`;
  try {
    await watch.connected(queue, doing);
  } catch (error) {
    await webhooks.close();
    await closeWhenReady(watch, queue);
    throw error;
  }
  const transitions = new StatusTransitions(
    await queue.client,
    queue.toKey('batch-status'),
    queue.toKey('batch-outbox'),
  );
  const send = (message: Parameters<WebhookDispatcher['send']>[0]) => webhooks.send(message);

  const poll = async (): Promise<BatchPollResult> => {
    await transitions.drain(send); // what a crashed poll left behind
    const jobs = await selectJobs(client, selector);
    const seen = await transitions.lastSeen(jobs.map((job) => job.id));
    const result: BatchPollResult = { jobs: jobs.length, transitions: [] };
    for (const [i, job] of jobs.entries()) {
      const previous = seen[i];
      if (previous === job.status) continue;
      const applied = await transitions.record(job.id, previous, job.status, {
        id: webhookId(name, job.id, job.status),
        url,
        type: batchEventType(job.status),
        data: batchWebhookData(job, previous ?? null),
      });
      if (applied) result.transitions.push({ id: job.id, from: previous ?? null, to: job.status });
    }
    await transitions.drain(send);
    return result;
  };

  const worker = watch.listen(new Worker(name, async () => poll(), { ...base, concurrency: 1 }));
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await closeWhenReady(watch, worker);
      await webhooks.close();
      await closeWhenReady(watch, queue);
    })();
    return closing;
  };
  try {
    await watch.within(
      queue.upsertJobScheduler(
        SCHEDULER_ID,
        { every: intervalMs },
        { name: 'poll', opts: { removeOnComplete: true, removeOnFail: { count: 100 } } },
      ),
      doing,
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    name,
    queue,
    worker,
    webhooks,
    poll,
    close,
    async stop() {
      await queue.removeJobScheduler(SCHEDULER_ID);
      await close();
    },
  };
}

async function selectJobs(client: Mistral, selector: BatchJobSelector): Promise<BatchJob[]> {
  if (selector.ids) {
    const jobs = await Promise.all(selector.ids.map((jobId) => client.batch.jobs.get({ jobId })));
    return jobs.filter((job) => matches(job, selector));
  }
  const jobs: BatchJob[] = [];
  for (let page = 0; ; page++) {
    const response = await client.batch.jobs.list({
      page,
      pageSize: PAGE_SIZE,
      ...(selector.metadata ? { metadata: selector.metadata } : {}),
      ...(selector.model ? { model: selector.model } : {}),
      ...(selector.agentId ? { agentId: selector.agentId } : {}),
      ...(selector.status ? { status: selector.status } : {}),
      ...(selector.createdAfter ? { createdAfter: selector.createdAfter } : {}),
    });
    const data = response.data ?? [];
    // The filters went to the API; checking again keeps a server that ignores one honest.
    jobs.push(...data.filter((job) => matches(job, selector)));
    if (data.length < PAGE_SIZE || (page + 1) * PAGE_SIZE >= response.total) return jobs;
  }
}

function matches(job: BatchJob, selector: BatchJobSelector): boolean {
  if (selector.model !== undefined && job.model !== selector.model) return false;
  if (selector.agentId !== undefined && job.agentId !== selector.agentId) return false;
  if (selector.status && !selector.status.includes(job.status)) return false;
  if (selector.createdAfter && job.createdAt * 1000 < selector.createdAfter.getTime()) return false;
  if (selector.metadata) {
    for (const [key, value] of Object.entries(selector.metadata)) {
      if (job.metadata?.[key] !== value) return false;
    }
  }
  return true;
}
