import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { redactString, type TraceContext } from '@mistral-flows/core';
import {
  Queue,
  UnrecoverableError,
  Worker,
  type ConnectionOptions,
  type Job,
  type JobsOptions,
} from 'bullmq';
import {
  addDeadLetter,
  deadLetterQueueName,
  type DeadLetter,
} from '../dead-letters/dead-letter.js';
import { CallbackUrlError } from '../errors/callback-url-error.js';
import { WebhookDeliveryError } from '../errors/webhook-delivery-error.js';
import { emitSafely, type QueueEventSink } from '../internal/event-sink.js';
import { ATTEMPTS_CEILING, BACKOFF_TYPE } from '../internal/retry-policy.js';
import { checkCallbackUrl } from './callback-url.js';
import { deliveryOutcome } from './delivery-outcome.js';
import { postWebhook } from './post-webhook.js';
import { checkSchedule, nextRetryDelay, STANDARD_RETRY_SCHEDULE } from './retry-schedule.js';
import { signWebhook } from './sign-webhook.js';
import { webhookBody, type WebhookDelivery, type WebhookMessage } from './webhook-message.js';
import { webhookKeys, type WebhookSecret } from './webhook-secret.js';
import { closeUnconnectedWithin, closeWhenReady, settlesWithin } from '../internal/close-bullmq.js';
import { ConnectionWatch } from '../internal/connection-watch.js';

/** How webhooks are signed, where they may go, and how they are retried. */
export interface WebhookOptions {
  /** `whsec_...`, or several during a key rotation (every delivery is signed with each). */
  secret: WebhookSecret;
  /** Private, loopback or link-local hosts that callbacks may still target. */
  allowHosts?: readonly string[];
  /** Waits before each retry, in ms (default `STANDARD_RETRY_SCHEDULE`: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h). */
  retrySchedule?: readonly number[];
  /** Deadline of one delivery attempt (default 15 s). */
  timeoutMs?: number;
  /** Deliveries in flight at once (default 10). */
  concurrency?: number;
  /** Runs a delivery worker in this process (default true); false only queues deliveries. */
  deliver?: boolean;
}

export interface WebhookDispatcherOptions extends WebhookOptions {
  connection: ConnectionOptions;
  /** Name of the delivery queue. */
  name: string;
  prefix?: string;
  /** Dead-letter queue for deliveries that exhaust the schedule (default `<name>-dead-letters`). */
  deadLetterQueue?: string;
  events?: QueueEventSink;
  /** BullMQ lock and stalled-job settings of the delivery worker. */
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /**
   * BullMQ's `removeOnComplete` for deliveries: while a delivery is kept, a second send of its
   * id is recognised as a duplicate (default 24 h).
   */
  removeOnComplete?: JobsOptions['removeOnComplete'];
  /**
   * How long `send` waits for Redis before failing with `RedisUnavailableError`, and `close()`
   * before it disconnects (default 10 s).
   */
  redisTimeoutMs?: number;
}

/** A delivery queue with its worker: signed, retried, idempotent webhooks. */
export interface WebhookDispatcher {
  readonly queue: Queue<WebhookDelivery>;
  readonly worker: Worker<WebhookDelivery, DeliveryResult> | undefined;
  /**
   * Queues a webhook. Idempotent on `message.id`: a second send of the same id (a job that ran
   * again after a crash) is dropped while the first delivery is kept (`removeOnComplete`).
   * Fails with `RedisUnavailableError` when Redis does not answer within `redisTimeoutMs`.
   */
  send(message: WebhookMessage): Promise<void>;
  /** True when the endpoint answered 410 Gone and gets no more deliveries. */
  isDisabled(url: string): Promise<boolean>;
  /** Lets a disabled endpoint receive deliveries again. */
  enable(url: string): Promise<void>;
  /** Lets deliveries in flight finish and closes; disconnects when Redis does not answer. */
  close(): Promise<void>;
}

/** A delivery job's return value. */
export interface DeliveryResult {
  status: number;
  attempts: number;
}

const DAY_SECONDS = 86_400;

/**
 * Creates the delivery queue `name` and, unless `deliver: false`, a worker that POSTs each
 * webhook with Standard Webhooks headers, freshly signed at every attempt. A 2xx answer is a
 * success; 410 disables the endpoint; anything else, a timeout or a network error is retried on
 * `retrySchedule`, then dead-lettered. A failing receiver never re-runs the job that produced
 * the webhook: the delivery has its own queue.
 */
export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const {
    connection,
    name,
    prefix,
    allowHosts = [],
    timeoutMs = 15_000,
    concurrency = 10,
    deliver = true,
    events,
  } = options;
  const keys = webhookKeys(options.secret);
  const schedule = checkSchedule(options.retrySchedule ?? STANDARD_RETRY_SCHEDULE);
  const attempts = schedule.length + 1;
  const base = { connection, ...(prefix !== undefined ? { prefix } : {}) };
  const watch = new ConnectionWatch(connection, options.redisTimeoutMs);
  const queue = watch.listen(new Queue<WebhookDelivery>(name, base));
  const deadLetters = watch.listen(
    new Queue<DeadLetter>(options.deadLetterQueue ?? deadLetterQueueName(name), base),
  );
  const disabledKey = queue.toKey('disabled-endpoints');
  const redis = () => queue.client;
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: concurrency }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: concurrency }),
  };

  const isDisabled = async (url: string) => (await (await redis()).hexists(disabledKey, url)) === 1;

  const deadLetter = async (
    job: Job<WebhookDelivery>,
    error: { message: string; code: string; status?: number | undefined },
  ) => {
    const letter: DeadLetter<WebhookDelivery> = {
      source: {
        queue: name,
        jobId: job.id!,
        name: 'webhook',
        opts: { attempts: ATTEMPTS_CEILING, backoff: { type: BACKOFF_TYPE } },
      },
      data: job.data,
      error: {
        message: redactString(error.message),
        code: error.code,
        ...(error.status !== undefined ? { status: error.status } : {}),
      },
      attemptsMade: job.attemptsMade + 1,
      failedAt: Date.now(),
    };
    await addDeadLetter(deadLetters, letter);
  };

  const process = async (job: Job<WebhookDelivery>): Promise<DeliveryResult> => {
    const { id, url, body, traceContext } = job.data;
    const attempt = job.attemptsMade + 1;
    const startedAt = Date.now();
    const traced = traceContext ? { startedAt, traceContext } : {};
    let failure: WebhookDeliveryError;
    if (await isDisabled(url)) {
      failure = new WebhookDeliveryError(
        'webhook_gone',
        'The endpoint was disabled after a 410 Gone',
      );
    } else {
      try {
        const target = checkCallbackUrl(url, { allowHosts });
        const headers = signWebhook(keys, id, body);
        const status = await postWebhook(
          target,
          { ...headers, ...traceHeaders(traceContext) },
          body,
          {
            timeoutMs,
            allowHosts,
            agents,
          },
        );
        const outcome = deliveryOutcome(status);
        if (outcome === 'delivered') {
          emitSafely(events, 'queue:webhook-delivered', {
            webhookId: id,
            url: where(url),
            status,
            attempt,
            ...traced,
          });
          return { status, attempts: attempt };
        }
        if (outcome === 'gone') {
          await (await redis()).hset(disabledKey, { [url]: Date.now() });
          failure = new WebhookDeliveryError(
            'webhook_gone',
            'The receiver answered 410 Gone: endpoint disabled',
            { status },
          );
        } else {
          failure = new WebhookDeliveryError(
            'webhook_rejected',
            `The receiver answered ${status}`,
            { status },
          );
        }
      } catch (error) {
        failure = toDeliveryError(error);
      }
    }
    const final = !failure.retryable || attempt >= attempts;
    emitSafely(events, 'queue:webhook-failed', {
      webhookId: id,
      url: where(url),
      error: failure.message,
      attempt,
      final,
      ...traced,
    });
    if (!final) throw failure;
    await deadLetter(job, failure);
    throw new UnrecoverableError(failure.message);
  };

  const worker = deliver
    ? new Worker<WebhookDelivery, DeliveryResult>(name, process, {
        ...base,
        concurrency,
        ...(options.lockDuration !== undefined ? { lockDuration: options.lockDuration } : {}),
        ...(options.stalledInterval !== undefined
          ? { stalledInterval: options.stalledInterval }
          : {}),
        ...(options.maxStalledCount !== undefined
          ? { maxStalledCount: options.maxStalledCount }
          : {}),
        settings: {
          backoffStrategy: (attemptsMade: number) => nextRetryDelay(schedule, attemptsMade) ?? -1,
        },
      })
    : undefined;
  if (worker) watch.listen(worker);
  // Failures the processor did not see (a delivery that stalled too often) are dead-lettered here.
  worker?.on('failed', (job, error) => {
    if (job && job.finishedOn !== undefined && error.name !== 'UnrecoverableError') {
      // A failed dead letter is reported as the worker's `error` event.
      deadLetter(job, { code: 'failed', message: redactString(error.message) }).catch(
        (failure: unknown) => {
          worker.emit('error', failure instanceof Error ? failure : new Error(String(failure)));
        },
      );
    }
  });

  let closing: Promise<void> | undefined;
  return {
    queue,
    worker,
    async send(message) {
      checkCallbackUrl(message.url, { allowHosts });
      const doing = `queueing a webhook on ${name}`;
      await watch.connected(queue, doing);
      await watch.within(
        queue.add(
          'webhook',
          {
            id: message.id,
            url: message.url,
            type: message.type,
            body: webhookBody(message),
            ...(message.traceContext ? { traceContext: message.traceContext } : {}),
          },
          {
            jobId: message.id,
            attempts: ATTEMPTS_CEILING,
            backoff: { type: BACKOFF_TYPE },
            removeOnComplete: options.removeOnComplete ?? { age: DAY_SECONDS },
            removeOnFail: { age: 7 * DAY_SECONDS },
          },
        ),
        doing,
      );
    },
    isDisabled,
    async enable(url) {
      await (await redis()).hdel(disabledKey, url);
    },
    close() {
      closing ??= (async () => {
        const up =
          !worker || (await settlesWithin(worker.waitUntilReady(), watch.timeoutMs)).settled;
        if (up) {
          // Deliveries in flight may dead-letter: the worker closes first.
          await closeWhenReady(watch, worker);
          await closeWhenReady(watch, queue, deadLetters);
        } else {
          await closeUnconnectedWithin(watch, worker, queue, deadLetters);
        }
        agents.http.destroy();
        agents.https.destroy();
      })();
      return closing;
    },
  };
}

function toDeliveryError(error: unknown): WebhookDeliveryError {
  if (WebhookDeliveryError.isInstance(error)) return error;
  if (CallbackUrlError.isInstance(error)) {
    return new WebhookDeliveryError('webhook_forbidden', error.message);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new WebhookDeliveryError('webhook_network', redactString(message), { cause: error });
}

/** The URL without its query string, for events and logs. */
function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** The W3C Trace Context headers of a delivery (none without a trace). */
function traceHeaders(traceContext: TraceContext | undefined): Record<string, string> {
  if (!traceContext) return {};
  return traceContext.tracestate
    ? { traceparent: traceContext.traceparent, tracestate: traceContext.tracestate }
    : { traceparent: traceContext.traceparent };
}
