import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, redactString } from '@mistral-flows/core';
import type { ReplayLog, ReplayRecord } from '@mistral-flows/stream';
import { RedisReplayLog } from '@mistral-flows/stream/redis';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { defer, mergeAll, type Observable } from 'rxjs';
import { ConversationRuntimeError } from '../errors/conversation-runtime-error.js';
import { closeWhenReady } from '../internal/close-bullmq.js';
import { ConnectionWatch } from '../internal/connection-watch.js';
import {
  actionJobId,
  cancelChannel,
  DEFAULT_CONVERSATION_QUEUE,
  runtimeKeys,
  type ActionOutcome,
  type ActionReceipt,
  type ConversationAction,
  type ConversationJobData,
} from './conversation-action.js';
import type { ConversationLogEvent } from './conversation-log.js';

export interface ConversationClientOptions {
  connection: ConnectionOptions;
  /** Queue name (default `mistral-conversations`), as given to the workers. */
  name?: string;
  /** BullMQ key prefix (default `bull`), as given to the workers. */
  prefix?: string;
  /** Attempts per action (default 20): a worker that dies or loses its lease costs one. */
  attempts?: number;
  /** BullMQ's `removeOnComplete` for action jobs (default: kept one day). */
  removeOnComplete?: JobsOptions['removeOnComplete'];
  /** How long a call waits for Redis before failing with `RedisUnavailableError` (default 10 s). */
  redisTimeoutMs?: number;
}

export interface ResultOptions {
  /** How long to wait for the action's outcome (default 5 min). */
  timeoutMs?: number;
}

/** Enqueues actions on conversations that any `createConversationWorker` runs. */
export interface ConversationClient {
  readonly name: string;
  /** The BullMQ queue of actions: `getJobCounts()`, `getJob(receipt.jobId)`, ... */
  readonly queue: Queue<ConversationJobData, ActionOutcome>;
  /**
   * Creates a conversation (id: a random UUID by default) with the workers' agent or model; a
   * conversation already in the store under that id is taken over as it is. Rejects with
   * `conversation_exists` when a client already created it.
   */
  create(options?: { id?: string }): Promise<ActionReceipt>;
  /** Sends a user message; its turn runs on a worker. */
  send(conversationId: string, text: string): Promise<ActionReceipt>;
  approve(conversationId: string, callId: string): Promise<ActionReceipt>;
  reject(conversationId: string, callId: string, reason?: string): Promise<ActionReceipt>;
  /**
   * Cancels the turn in flight (the worker running it aborts it at once) and the actions
   * enqueued before this one that have not run yet.
   */
  cancel(conversationId: string): Promise<ActionReceipt>;
  /**
   * Resolves with the outcome of an action once a worker has applied it: `idle` with the `turn`,
   * or `awaitingApproval` with the calls to decide. Rejects with `ConversationRuntimeError`:
   * `conversation_not_found`, `action_failed` (the turn failed or the action was refused;
   * `reason` says why), `action_cancelled`, `action_skipped` or `wait_timeout`.
   */
  result(receipt: ActionReceipt, options?: ResultOptions): Promise<ActionOutcome>;
  /**
   * The conversation's events after event id `after` (default 0: from the start of what the log
   * holds), then live ones as workers append them, read from its Redis Stream. Never completes
   * by itself: unsubscribe when done.
   */
  events(
    conversationId: string,
    options?: { after?: number },
  ): Observable<ReplayRecord<ConversationLogEvent>>;
  /**
   * The conversation's event log, for `serveSSE(client.log(id), req, res)` on any process: a
   * browser that reconnects with `Last-Event-ID` gets exactly the events after it. Needs the
   * connection: call `ready()` once at start (an `InvalidArgumentError` says so otherwise).
   */
  log(conversationId: string): ReplayLog<ConversationLogEvent>;
  /** Resolves once connected; rejects with `RedisUnavailableError` after `redisTimeoutMs`. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Numbers an action atomically: `create` claims the conversation (number 1), other actions need
 * it to exist; a cancel also records its number. Returns the number (0: no such conversation,
 * -1: it exists already) and the last event id of the conversation's log.
 */
const NUMBER_ACTION = `
local lastEvent = tonumber(redis.call('GET', KEYS[2]) or '0')
local ends = redis.call('XREVRANGE', KEYS[4], '+', '-', 'COUNT', 1)
local lastEnd = '0-0'
if ends[1] then lastEnd = ends[1][1] end
if ARGV[1] == 'create' then
  if redis.call('SET', KEYS[1], 1, 'NX') then return {1, lastEvent, lastEnd} end
  return {-1, lastEvent, lastEnd}
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, lastEvent, lastEnd} end
local seq = redis.call('INCR', KEYS[1])
if ARGV[1] == 'cancel' then
  local previous = tonumber(redis.call('GET', KEYS[3]) or '0')
  if seq > previous then redis.call('SET', KEYS[3], seq) end
end
return {seq, lastEvent, lastEnd}
`;

/** Conversation ids: they name Redis keys and job ids (BullMQ refuses `:` in those). */
const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/**
 * A client of the distributed conversation runtime, usable from any process (a web node, a
 * script): each call enqueues one BullMQ job that a `createConversationWorker` applies, in the
 * order the calls were made for one conversation.
 *
 * @example
 * const conversations = createConversationClient({ connection });
 * const { conversationId } = await conversations.create();
 * const sent = await conversations.send(conversationId, 'Where is my order?');
 * const { turn } = await conversations.result(sent);
 */
export function createConversationClient(options: ConversationClientOptions): ConversationClient {
  const name = options.name ?? DEFAULT_CONVERSATION_QUEUE;
  const redisPrefix = options.prefix ?? 'bull';
  const attempts = options.attempts ?? 20;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidArgumentError('attempts', `expected an integer >= 1, got ${String(attempts)}`);
  }
  const watch = new ConnectionWatch(options.connection, options.redisTimeoutMs);
  const queue = watch.listen(
    new Queue<ConversationJobData, ActionOutcome>(name, {
      connection: options.connection,
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      defaultJobOptions: {
        attempts,
        backoff: { type: 'exponential', delay: 250 },
        removeOnComplete: options.removeOnComplete ?? { age: 86_400 },
        removeOnFail: { age: 7 * 86_400 },
      },
    }),
  );
  const redis = async (): Promise<Redis> => {
    await watch.connected(queue, `connecting to queue ${name}`);
    return (await queue.client) as unknown as Redis;
  };
  const logs = new Map<string, RedisReplayLog<ConversationLogEvent>>();
  const idleReaders: Redis[] = [];
  let closed = false;
  let client: Redis | undefined;
  const logOf = (conversationId: string): RedisReplayLog<ConversationLogEvent> => {
    assertId(conversationId);
    if (!client) {
      throw new InvalidArgumentError('log', 'call ready() (or any action) before reading events');
    }
    let log = logs.get(conversationId);
    if (!log) {
      log = new RedisReplayLog<ConversationLogEvent>({
        client,
        key: runtimeKeys(redisPrefix, name, conversationId).events,
      });
      logs.set(conversationId, log);
    }
    return log;
  };

  const enqueue = async (
    conversationId: string,
    action: ConversationAction,
  ): Promise<ActionReceipt> => {
    assertId(conversationId);
    const doing = `enqueueing ${action.type} on ${name}`;
    const connection = await redis();
    client ??= connection;
    const keys = runtimeKeys(redisPrefix, name, conversationId);
    const [seq, afterEventId, afterEndId] = await watch.within(
      connection.eval(
        NUMBER_ACTION,
        4,
        keys.seq,
        `${keys.events}:seq`,
        keys.cancel,
        keys.ends,
        action.type,
      ) as Promise<[number, number, string]>,
      doing,
    );
    if (seq === 0) {
      throw new ConversationRuntimeError(
        'conversation_not_found',
        `No conversation "${conversationId}": create it with create({ id }) first`,
        { conversationId },
      );
    }
    if (seq === -1) {
      throw new ConversationRuntimeError(
        'conversation_exists',
        `Conversation "${conversationId}" was already created`,
        { conversationId },
      );
    }
    const jobId = actionJobId(conversationId, seq);
    await watch.within(queue.add(action.type, { conversationId, seq, action }, { jobId }), doing);
    if (action.type === 'cancel') {
      await watch.within(
        connection.publish(cancelChannel(redisPrefix, name), `${conversationId} ${seq}`),
        doing,
      );
    }
    return { conversationId, seq, jobId, afterEventId, afterEndId };
  };

  let closing: Promise<void> | undefined;
  return {
    name,
    queue,
    create: (createOptions = {}) => enqueue(createOptions.id ?? randomUUID(), { type: 'create' }),
    send(conversationId, text) {
      if (typeof text !== 'string' || text.trim() === '') {
        return Promise.reject(
          new InvalidArgumentError('text', 'a message must be a non-empty string'),
        );
      }
      return enqueue(conversationId, { type: 'send', text });
    },
    approve(conversationId, callId) {
      if (typeof callId !== 'string' || callId === '') {
        return Promise.reject(new InvalidArgumentError('callId', 'expected a tool call id'));
      }
      return enqueue(conversationId, { type: 'approve', callId });
    },
    reject(conversationId, callId, reason) {
      if (typeof callId !== 'string' || callId === '') {
        return Promise.reject(new InvalidArgumentError('callId', 'expected a tool call id'));
      }
      return enqueue(conversationId, {
        type: 'reject',
        callId,
        ...(reason !== undefined ? { reason } : {}),
      });
    },
    cancel: (conversationId) => enqueue(conversationId, { type: 'cancel' }),
    async result(receipt, resultOptions = {}) {
      const timeoutMs = resultOptions.timeoutMs ?? 5 * 60_000;
      assertId(receipt.conversationId);
      const connection = await redis();
      const key = runtimeKeys(redisPrefix, name, receipt.conversationId).ends;
      const deadline = Date.now() + timeoutMs;
      // A blocking read needs a connection of its own; idle ones are kept for the next wait, so
      // that waiting for an action does not cost a new connection.
      let reader = idleReaders.pop();
      if (!reader) {
        reader = connection.duplicate();
        // Its failures reject the read in progress, which reports them.
        reader.on('error', () => undefined);
      }
      let healthy = false;
      try {
        let cursor = receipt.afterEndId ?? '0-0';
        while (!closed) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          const reply = await reader.xread(
            'COUNT',
            1_000,
            'BLOCK',
            Math.max(1, Math.min(1_000, left)),
            'STREAMS',
            key,
            cursor,
          );
          for (const [streamId, fields] of reply?.[0]?.[1] ?? []) {
            cursor = streamId;
            if (fields[0] !== 's' || Number(fields[1]) !== receipt.seq) continue;
            const outcome = JSON.parse(fields[3] ?? 'null') as ActionOutcome;
            healthy = true;
            const failure = outcomeError(outcome);
            if (failure) throw failure;
            return outcome;
          }
        }
        healthy = true;
        throw new ConversationRuntimeError(
          'wait_timeout',
          `Action ${receipt.seq} of conversation "${receipt.conversationId}" had not ` +
            `finished after ${timeoutMs} ms (it goes on)`,
          { conversationId: receipt.conversationId },
        );
      } finally {
        if (healthy && !closed) idleReaders.push(reader);
        else reader.disconnect();
      }
    },
    events(conversationId, eventOptions = {}) {
      const after = eventOptions.after ?? 0;
      if (!Number.isInteger(after) || after < 0) {
        throw new InvalidArgumentError('after', `expected an event id >= 0, got ${String(after)}`);
      }
      assertId(conversationId);
      // Cold: connects (if no call did yet) when subscribed.
      return defer(async () => {
        client ??= await redis();
        return logOf(conversationId).read(after);
      }).pipe(mergeAll());
    },
    log: (conversationId) => logOf(conversationId),
    async ready() {
      client ??= await redis();
    },
    close() {
      closing ??= (async () => {
        closed = true;
        for (const reader of idleReaders.splice(0)) reader.disconnect();
        for (const log of logs.values()) await log.close();
        await closeWhenReady(watch, queue);
      })();
      return closing;
    },
  };
}

/** The typed error for an outcome that is not a success, or undefined. */
function outcomeError(outcome: ActionOutcome): ConversationRuntimeError | undefined {
  const { conversationId, seq } = outcome;
  const message = redactString(outcome.error?.message ?? '');
  switch (outcome.status) {
    case 'idle':
    case 'awaitingApproval':
      return undefined;
    case 'cancelled':
      return new ConversationRuntimeError(
        'action_cancelled',
        `Action ${seq} of conversation "${conversationId}" was cancelled`,
        { conversationId },
      );
    case 'skipped':
      return new ConversationRuntimeError(
        'action_skipped',
        `Action ${seq} of conversation "${conversationId}" was skipped: ${message}`,
        { conversationId },
      );
    case 'failed':
    case 'error': {
      const code = outcome.error?.code ?? 'unknown';
      if (code === 'conversation_not_found') {
        return new ConversationRuntimeError(
          'conversation_not_found',
          `No stored conversation "${conversationId}"`,
          { conversationId },
        );
      }
      return new ConversationRuntimeError(
        'action_failed',
        `Action ${seq} of conversation "${conversationId}" failed (${code}): ${message}`,
        { conversationId, reason: code, cause: outcome.error },
      );
    }
  }
}

function assertId(conversationId: unknown): asserts conversationId is string {
  if (typeof conversationId !== 'string' || !ID_PATTERN.test(conversationId)) {
    throw new InvalidArgumentError(
      'conversationId',
      `expected 1 to 200 letters, digits, "_", "." or "-" (not starting with "." or "-"), got ${JSON.stringify(conversationId)}`,
    );
  }
}
