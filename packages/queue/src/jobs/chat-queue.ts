import { Queue, QueueKeys, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { CallbackUrlError } from '../errors/callback-url-error.js';
import { WebhookSecretError } from '../errors/webhook-secret-error.js';
import { emitSafely, type QueueEventSink } from '../internal/event-sink.js';
import { ATTEMPTS_CEILING, BACKOFF_TYPE } from '../internal/retry-policy.js';
import { checkCallbackUrl } from '../webhook/callback-url.js';
import { webhookKeys, type WebhookSecret } from '../webhook/webhook-secret.js';
import type { ChatJobData, ChatJobInput, ChatJobResult } from './chat-job.js';
import { validateChatJob, validateJobOptions } from './validate-chat-job.js';
import { closeWhenReady } from '../internal/close-bullmq.js';
import { ConnectionWatch } from '../internal/connection-watch.js';

export const DEFAULT_QUEUE_NAME = 'mistral-chat';

/** The delivery queue of chat queue `name`. */
export function webhookQueueName(name: string): string {
  return `${name}-webhooks`;
}

export interface ChatQueueOptions {
  connection: ConnectionOptions;
  /** Queue name (default `mistral-chat`); the worker must use the same. */
  name?: string;
  /** BullMQ key prefix (default `bull`). */
  prefix?: string;
  /**
   * The webhook setup the workers use, so that a callback is refused at enqueue time when it
   * could not be signed or delivered. `secret` is only checked here, never stored.
   */
  webhook?: { secret?: WebhookSecret; allowHosts?: readonly string[] };
  /** BullMQ's `removeOnComplete` for chat jobs: how long results are kept (default 24 h). */
  removeOnComplete?: JobsOptions['removeOnComplete'];
  /** BullMQ's `removeOnFail`; dead letters stay until replayed whatever it is (default 7 days). */
  removeOnFail?: JobsOptions['removeOnFail'];
  /** Receives `queue:enqueued`. */
  events?: QueueEventSink;
  /**
   * How long `enqueueChat`, `ready()` and `close()` wait for Redis before failing with
   * `RedisUnavailableError` (or, for `close()`, disconnecting): default 10 s.
   */
  redisTimeoutMs?: number;
}

/** A BullMQ queue of chat and agent jobs, with the callback policy `enqueueChat` enforces. */
export interface ChatQueue {
  readonly name: string;
  /** The BullMQ queue: `getJob(id)`, `getJobCounts()`, `QueueEvents` on `name`, ... */
  readonly queue: Queue<ChatJobData, ChatJobResult>;
  /** True when a webhook secret was configured (callbacks are accepted). */
  readonly signsWebhooks: boolean;
  readonly allowHosts: readonly string[];
  readonly events: QueueEventSink | undefined;
  /**
   * Resolves once Redis answers; rejects with `RedisUnavailableError` after `redisTimeoutMs`
   * (BullMQ keeps reconnecting in the background).
   */
  ready(): Promise<void>;
  /** Closes the connection; returns within `redisTimeoutMs` or so even when Redis is away. */
  close(): Promise<void>;
}

export interface EnqueueOptions {
  /** Your id for the job: enqueueing the same id again is a no-op while the job is kept. */
  jobId?: string;
  /** BullMQ priority: 1 is the highest; 0 or absent is "no priority" (served first in, first out). */
  priority?: number;
}

export interface EnqueueResult {
  jobId: string;
  status: 'queued';
}

const DAY_SECONDS = 86_400;

/** The connection watch of each queue `createChatQueue` made. */
const watches = new WeakMap<Queue, ConnectionWatch>();

function watchOf(queue: ChatQueue): ConnectionWatch {
  let watch = watches.get(queue.queue);
  if (!watch) {
    watch = new ConnectionWatch(queue.queue.opts.connection);
    watches.set(queue.queue, watch);
  }
  return watch;
}

/**
 * Creates the BullMQ queue chat jobs go to.
 *
 * @example
 * const chat = createChatQueue({ connection, webhook: { secret: process.env.WEBHOOK_SECRET } });
 * const { jobId } = await enqueueChat(chat, { messages, callbackUrl: 'https://example.com/hook' });
 */
export function createChatQueue(options: ChatQueueOptions): ChatQueue {
  const name = options.name ?? DEFAULT_QUEUE_NAME;
  const watch = new ConnectionWatch(options.connection, options.redisTimeoutMs);
  const secret = options.webhook?.secret;
  if (secret !== undefined) webhookKeys(secret); // a malformed secret fails here, not at delivery
  const queue = new Queue<ChatJobData, ChatJobResult>(name, {
    connection: options.connection,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    defaultJobOptions: {
      attempts: ATTEMPTS_CEILING,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: options.removeOnComplete ?? { age: DAY_SECONDS },
      removeOnFail: options.removeOnFail ?? { age: 7 * DAY_SECONDS },
    },
  });
  watches.set(watch.listen(queue), watch);
  let closing: Promise<void> | undefined;
  return {
    name,
    queue,
    signsWebhooks: secret !== undefined,
    allowHosts: options.webhook?.allowHosts ?? [],
    events: options.events,
    ready: () => watch.connected(queue, `connecting to queue ${name}`),
    close: () => (closing ??= closeWhenReady(watch, queue)),
  };
}

/**
 * Validates and queues a chat job (an agent job when `agentId` is given). Throws, before writing
 * anything, `InvalidJobError` for a job without messages or otherwise malformed, `CallbackUrlError`
 * for a callback that is not http(s) or points at a private, loopback or link-local address (not
 * in `allowHosts`) or at an endpoint disabled by a 410 (the one check that reads Redis), and
 * `WebhookSecretError` for a callback on a queue without a webhook secret. Fails with
 * `RedisUnavailableError` when Redis does not answer within the queue's `redisTimeoutMs`; the job
 * is then not queued, unless the connection dropped while it was being written (enqueue it again
 * with the same `jobId` to be sure).
 */
export async function enqueueChat(
  queue: ChatQueue,
  input: ChatJobInput,
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const data = validateChatJob(input);
  validateJobOptions(options);
  if (data.callbackUrl !== undefined) {
    checkCallbackUrl(data.callbackUrl, { allowHosts: queue.allowHosts });
    if (!queue.signsWebhooks) {
      throw new WebhookSecretError(
        'webhook_secret_missing',
        'A callback URL needs webhooks to be signed: create the queue with webhook.secret (and give the workers the same)',
      );
    }
  }
  const watch = watchOf(queue);
  const doing = `queueing a job on ${queue.name}`;
  // Nothing is sent before the connection is up: a command sent while it is down would wait in
  // the client's queue and could add the job long after this call failed.
  await watch.connected(queue.queue, doing);
  if (data.callbackUrl !== undefined) {
    const disabled = new QueueKeys(queue.queue.opts.prefix).toKey(
      webhookQueueName(queue.name),
      'disabled-endpoints',
    );
    const client = await queue.queue.client;
    if ((await watch.within(client.hexists(disabled, data.callbackUrl), doing)) === 1) {
      throw new CallbackUrlError(
        'callback_url_disabled',
        'This callback endpoint answered 410 Gone and was disabled',
        new URL(data.callbackUrl).hostname,
      );
    }
  }
  const job = await watch.within(
    queue.queue.add(data.agentId !== undefined ? 'agent' : 'chat', data, {
      ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
      ...(options.priority ? { priority: options.priority } : {}),
    }),
    doing,
  );
  const jobId = job.id!;
  emitSafely(queue.events, 'queue:enqueued', { queue: queue.name, jobId });
  return { jobId, status: 'queued' };
}
