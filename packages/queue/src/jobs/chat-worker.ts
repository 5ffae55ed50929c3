import {
  backoffDelay,
  InvalidArgumentError,
  redactString,
  toApiError,
  type ApiError,
  type BackoffOptions,
  type RateLimiter,
  type TraceContext,
} from '@mistral-flows/core';
import { StreamError } from '@mistral-flows/stream';
import type { Mistral } from '@mistralai/mistralai';
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  addDeadLetter,
  deadLetterQueueName,
  type DeadLetter,
} from '../dead-letters/dead-letter.js';
import { emitSafely, type QueueEventSink } from '../internal/event-sink.js';
import { ATTEMPTS_CEILING, BACKOFF_TYPE } from '../internal/retry-policy.js';
import {
  createWebhookDispatcher,
  type WebhookDispatcher,
  type WebhookOptions,
} from '../webhook/webhook-dispatcher.js';
import { webhookId } from '../webhook/webhook-message.js';
import type { ChatJobData, ChatJobProgress, ChatJobResult } from './chat-job.js';
import { traceSafely, type ChatJobAttemptTrace, type ChatJobTracing } from './chat-job-tracing.js';
import { DEFAULT_QUEUE_NAME, webhookQueueName } from './chat-queue.js';
import { jobOutcome } from './job-outcome.js';
import { runChatJob } from './run-chat-job.js';
import { closeUnconnectedWithin, closeWhenReady, settlesWithin } from '../internal/close-bullmq.js';
import { ConnectionWatch } from '../internal/connection-watch.js';

export interface ChatWorkerOptions {
  connection: ConnectionOptions;
  /** The SDK client (`createClient()` from core) the jobs run with. */
  client: Mistral;
  /** Queue name (default `mistral-chat`), as given to `createChatQueue`. */
  name?: string;
  prefix?: string;
  /** Jobs run at once by this worker (default 5). */
  concurrency?: number;
  /**
   * BullMQ's limiter, shared by every worker of the queue (default 10 jobs per second). `false`
   * removes it; a 429 then pauses only this worker.
   */
  limiter?: { max: number; duration: number } | false;
  /** Attempts per job, the first included (default 3). A 429 does not count as one. */
  attempts?: number;
  /** Waits between attempts (default exponential from 2 s, doubling, no jitter, at most 5 min). */
  backoff?: BackoffOptions;
  /** Signs and delivers `chat.job.completed` / `chat.job.failed` webhooks to callback URLs. */
  webhook?: WebhookOptions;
  /** A core `RateLimiter` shared with other callers of the same API key (requests, tokens per minute). */
  rateLimiter?: RateLimiter;
  /** Receives `queue:active`, `queue:progress`, `queue:completed`, `queue:failed`, `queue:stalled` and the webhook events. */
  events?: QueueEventSink;
  /**
   * Deadline of one model call, streamed answers included (default: the timeout the client was
   * built with, `createClient({ timeoutMs })`, else the SDK's 300 s). A call past it fails the
   * attempt as a timeout, which is retried like a 5xx.
   */
  timeoutMs?: number;
  /** Least time between two progress updates of a streamed job (default 250 ms). */
  progressIntervalMs?: number;
  /** BullMQ lock and stalled-job settings (defaults 30 s, 30 s, 1). */
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /** Start processing at once (default true). */
  autorun?: boolean;
  /**
   * Reports each attempt and its model call to a tracing system (`createTelemetry().chatJobTracing`
   * from `@mistral-flows/otel`), continuing the trace in the job's `traceContext`.
   */
  tracing?: ChatJobTracing;
  /**
   * How long `ready()` waits for Redis before failing with `RedisUnavailableError`, and how long
   * `close()` keeps waiting on a Redis that does not answer before it disconnects (default 10 s).
   * The worker itself keeps reconnecting.
   */
  redisTimeoutMs?: number;
}

/** A running chat worker with its webhook dispatcher and dead-letter queue. */
export interface ChatWorker {
  readonly name: string;
  readonly worker: Worker<ChatJobData, ChatJobResult>;
  readonly webhooks: WebhookDispatcher | undefined;
  readonly deadLetters: Queue<DeadLetter>;
  /** Resolves once the worker is connected to Redis; rejects with `RedisUnavailableError` after `redisTimeoutMs`. */
  ready(): Promise<void>;
  /**
   * Stops taking jobs, lets the jobs in flight finish (each model call is bounded by
   * `timeoutMs`) and closes the connections. Always returns: when Redis has not answered for
   * `redisTimeoutMs`, it disconnects instead of waiting.
   */
  close(): Promise<void>;
}

/** What a `chat.job.completed` / `chat.job.failed` webhook carries as `data`. */
export interface ChatWebhookData {
  queue: string;
  jobId: string;
  status: 'completed' | 'failed';
  /** Attempts made, the last included. */
  attempts: number;
  result?: ChatJobResult;
  error?: { code: string; message: string; status?: number };
  metadata?: ChatJobData['metadata'];
}

const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 2_000,
  multiplier: 2,
  maxDelayMs: 300_000,
  jitter: 'none',
};

/**
 * Runs chat and agent jobs from queue `name` with the SDK client. Errors are classified by core:
 * a 429 pauses the queue for its `Retry-After` (BullMQ's manual rate limit) and puts the job
 * back without counting an attempt; 5xx, network errors and timeouts are retried with `backoff`
 * up to `attempts`; other 4xx fail at once (`UnrecoverableError`). A job that fails for good goes
 * to the dead-letter queue `<name>-dead-letters` with its last error. A job's result is its
 * BullMQ return value and, when it has a callback URL, a signed webhook queued on
 * `<name>-webhooks`, so that a failing receiver never runs the model again. Such a job keeps the
 * answer in its data (`result`) before the webhook is queued: an attempt after a failure there
 * (Redis, a crash, a stall) delivers the kept answer instead of calling the model again.
 */
export function createChatWorker(options: ChatWorkerOptions): ChatWorker {
  const {
    connection,
    client,
    prefix,
    concurrency = 5,
    limiter = { max: 10, duration: 1_000 },
    attempts = 3,
    rateLimiter,
    events,
    timeoutMs,
    progressIntervalMs = 250,
    tracing,
  } = options;
  const name = options.name ?? DEFAULT_QUEUE_NAME;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > ATTEMPTS_CEILING) {
    throw new InvalidArgumentError(
      'attempts',
      `expected an integer from 1 to ${ATTEMPTS_CEILING}, got ${String(attempts)}`,
    );
  }
  const base = { connection, ...(prefix !== undefined ? { prefix } : {}) };
  const watch = new ConnectionWatch(connection, options.redisTimeoutMs);
  const stalled = {
    ...(options.lockDuration !== undefined ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval !== undefined ? { stalledInterval: options.stalledInterval } : {}),
    ...(options.maxStalledCount !== undefined ? { maxStalledCount: options.maxStalledCount } : {}),
  };
  const webhooks = options.webhook
    ? createWebhookDispatcher({
        ...options.webhook,
        ...base,
        ...stalled,
        name: webhookQueueName(name),
        deadLetterQueue: deadLetterQueueName(name),
        redisTimeoutMs: watch.timeoutMs,
        ...(events ? { events } : {}),
      })
    : undefined;
  const deadLetters = watch.listen(new Queue<DeadLetter>(deadLetterQueueName(name), base));
  // The chat queue itself, for its rate limit (Queue#rateLimit is BullMQ's non-deprecated form).
  const queue = watch.listen(new Queue(name, base));

  const finalFailure = async (
    job: Job<ChatJobData>,
    error: { code: string; message: string; status?: number },
    trace?: ChatJobAttemptTrace,
  ) => {
    const jobId = job.id!;
    const attemptsMade = job.attemptsMade + 1;
    await addDeadLetter(deadLetters, {
      source: {
        queue: name,
        jobId,
        name: job.name,
        opts: {
          attempts: ATTEMPTS_CEILING,
          backoff: { type: BACKOFF_TYPE },
          ...(job.opts.priority ? { priority: job.opts.priority } : {}),
        },
      },
      data: job.data,
      error,
      attemptsMade,
      failedAt: Date.now(),
    });
    if (job.data.callbackUrl !== undefined && webhooks) {
      const data: ChatWebhookData = {
        queue: name,
        jobId,
        status: 'failed',
        attempts: attemptsMade,
        error,
        ...(job.data.metadata !== undefined ? { metadata: job.data.metadata } : {}),
      };
      await webhooks.send({
        id: webhookId(name, jobId, 'failed', job.data.replays ?? 0),
        url: job.data.callbackUrl,
        type: 'chat.job.failed',
        data,
        ...traceOf(job.data, trace),
      });
    }
  };

  /**
   * Calls the model for `job` and classifies a failure (rate limit, retry, fail for good). For a
   * job with a callback, the answer is written to the job before the webhook is queued, so that
   * an attempt after a failure there (Redis, a crash) delivers it without a second call.
   */
  const callModel = async (
    job: Job<ChatJobData, ChatJobResult>,
    signal: AbortSignal | undefined,
    trace: ChatJobAttemptTrace | undefined,
  ): Promise<ChatJobResult> => {
    const data = job.data;
    const progress = data.stream ? progressReporter(job, progressIntervalMs) : undefined;
    let result: ChatJobResult;
    try {
      if (rateLimiter) await rateLimiter.acquire(signal ? { signal } : {});
      if (trace) traceSafely(() => trace.modelCallStarted());
      try {
        result = await runChatJob(client, data, {
          ...(signal ? { signal } : {}),
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          ...(progress ? { onDelta: onDelta(progress.report, trace) } : {}),
        });
      } catch (error) {
        if (trace) traceSafely(() => trace.modelCallEnded({ error }));
        throw error;
      }
      if (trace) traceSafely(() => trace.modelCallEnded({ result }));
    } catch (error) {
      const apiError: ApiError = StreamError.isInstance(error)
        ? error.toApiError()
        : toApiError(error);
      const outcome = jobOutcome(apiError, job.attemptsMade, attempts);
      switch (outcome.kind) {
        case 'rate-limit':
          rateLimiter?.penalize(outcome.delayMs);
          await queue.rateLimit(outcome.delayMs);
          throw Worker.RateLimitError();
        case 'retry':
          throw apiError;
        case 'fail': {
          const summary = {
            code: apiError.code,
            message: redactString(apiError.message),
            ...(apiError.status !== undefined ? { status: apiError.status } : {}),
          };
          await finalFailure(job, summary, trace);
          throw new UnrecoverableError(summary.message);
        }
      }
    }
    await progress?.flush();
    if (rateLimiter?.tokensPerMinute !== undefined && result.usage) {
      rateLimiter.report(result.usage.totalTokens);
    }
    if (data.callbackUrl !== undefined) await job.updateData({ ...data, result });
    return result;
  };

  const process = async (
    job: Job<ChatJobData, ChatJobResult>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<ChatJobResult> => {
    let trace: ChatJobAttemptTrace | undefined;
    if (tracing) {
      traceSafely(() => {
        trace = tracing.startAttempt({
          queue: name,
          jobId: job.id!,
          attempt: job.attemptsMade + 1,
          data: job.data,
        });
      });
    }
    try {
      const result = await processAttempt(job, signal, trace);
      if (trace) traceSafely(() => trace!.end());
      return result;
    } catch (error) {
      if (trace) traceSafely(() => trace!.end(error));
      throw error;
    }
  };

  const processAttempt = async (
    job: Job<ChatJobData, ChatJobResult>,
    signal: AbortSignal | undefined,
    trace: ChatJobAttemptTrace | undefined,
  ): Promise<ChatJobResult> => {
    const data = job.data;
    const jobId = job.id!;
    emitSafely(events, 'queue:active', { queue: name, jobId, attempt: job.attemptsMade + 1 });
    if (data.callbackUrl !== undefined && !webhooks) {
      const error = {
        code: 'webhook_secret_missing',
        message: 'The job has a callback URL but this worker has no webhook secret',
      };
      await finalFailure(job, error, trace);
      throw new UnrecoverableError(error.message);
    }
    const result = data.result ?? (await callModel(job, signal, trace));
    if (data.callbackUrl !== undefined && webhooks) {
      const payload: ChatWebhookData = {
        queue: name,
        jobId,
        status: 'completed',
        attempts: job.attemptsMade + 1,
        result,
        ...(data.metadata !== undefined ? { metadata: data.metadata } : {}),
      };
      await webhooks.send({
        id: webhookId(name, jobId, 'completed', data.replays ?? 0),
        url: data.callbackUrl,
        type: 'chat.job.completed',
        data: payload,
        ...traceOf(data, trace),
      });
    }
    return result;
  };

  const worker = new Worker<ChatJobData, ChatJobResult>(name, process, {
    ...base,
    ...stalled,
    concurrency,
    autorun: options.autorun ?? true,
    ...(limiter ? { limiter } : {}),
    settings: {
      // Safety net for errors that did not go through the classification (a Redis failure while
      // queueing the webhook, say): retried on the same backoff, failed once attempts run out.
      backoffStrategy: (attemptsMade: number) =>
        attemptsMade >= attempts ? -1 : backoffDelay(attemptsMade, backoff),
    },
  });
  watch.listen(worker);
  if (events) {
    worker.on('progress', (job, progress) => {
      emitSafely(events, 'queue:progress', { queue: name, jobId: job.id!, progress });
    });
    worker.on('completed', (job) => {
      emitSafely(events, 'queue:completed', { queue: name, jobId: job.id! });
    });
    worker.on('stalled', (jobId) => {
      emitSafely(events, 'queue:stalled', { queue: name, jobId });
    });
  }
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = job.finishedOn !== undefined;
    emitSafely(events, 'queue:failed', {
      queue: name,
      jobId: job.id!,
      error: redactString(error.message),
      willRetry: !final,
    });
    // Failures the processor did not see (too many stalls, the safety-net backoff giving up) are
    // dead-lettered here; the dead letter's id makes a second add harmless.
    if (final && error.name !== 'UnrecoverableError') {
      // A failed dead letter or failure webhook is reported as the worker's `error` event.
      finalFailure(job, { code: 'failed', message: redactString(error.message) }).catch(
        (failure: unknown) => {
          worker.emit('error', failure instanceof Error ? failure : new Error(String(failure)));
        },
      );
    }
  });

  let closing: Promise<void> | undefined;
  return {
    name,
    worker,
    webhooks,
    deadLetters,
    ready: () => watch.connected(worker, `connecting worker ${name}`),
    close() {
      closing ??= (async () => {
        if (!(await settlesWithin(worker.waitUntilReady(), watch.timeoutMs)).settled) {
          // Never connected: no job ran, nothing to let finish; close everything at once.
          await Promise.all([
            closeUnconnectedWithin(watch, worker, deadLetters, queue),
            webhooks?.close(),
          ]);
          return;
        }
        // Jobs in flight queue webhooks and dead letters: the worker closes first.
        await closeWhenReady(watch, worker);
        await webhooks?.close();
        await closeWhenReady(watch, deadLetters, queue);
      })();
      return closing;
    },
  };
}

/** Reports progress, and tells the tracing about the first chunk of a streamed answer. */
function onDelta(
  report: (progress: ChatJobProgress) => void,
  trace: ChatJobAttemptTrace | undefined,
): (progress: ChatJobProgress) => void {
  if (!trace?.firstChunk) return report;
  let first = true;
  return (progress) => {
    if (first) {
      first = false;
      traceSafely(() => trace.firstChunk?.());
    }
    report(progress);
  };
}

/** The trace context a job's webhook carries: the attempt's, else the one the job was queued with. */
function traceOf(
  data: ChatJobData,
  trace: ChatJobAttemptTrace | undefined,
): { traceContext?: TraceContext } {
  let traceContext: TraceContext | undefined;
  if (trace) traceSafely(() => (traceContext = trace.traceContext));
  traceContext ??= data.traceContext;
  return traceContext ? { traceContext } : {};
}

/**
 * Reports a streamed job's progress at most every `intervalMs`, one Redis update at a time;
 * `flush` waits for the update in flight and sends the final figures.
 */
function progressReporter(
  job: Job<ChatJobData, ChatJobResult>,
  intervalMs: number,
): { report: (progress: ChatJobProgress) => void; flush: () => Promise<void> } {
  let last = 0;
  let latest: ChatJobProgress | undefined;
  let sent: ChatJobProgress | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let busy = false;
  const send = (progress: ChatJobProgress) => {
    busy = true;
    sent = progress;
    inFlight = job
      .updateProgress({ ...progress })
      // Progress is advisory: a lost update is superseded by the next one and the job's result.
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  };
  return {
    report(progress) {
      latest = progress;
      const now = Date.now();
      if (busy || now - last < intervalMs) return;
      last = now;
      send(progress);
    },
    async flush() {
      await inFlight;
      if (latest && latest !== sent) {
        send(latest);
        await inFlight;
      }
    },
  };
}
