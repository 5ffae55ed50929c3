import { randomUUID } from 'node:crypto';
import {
  AgentsError,
  conversationKey,
  createConversation,
  resumeConversation,
  type AnyTool,
  type Conversation,
  type ConversationEmitted,
  type ConversationOptions,
} from '@mistral-flows/agents';
import {
  InvalidArgumentError,
  redactString,
  type BackoffOptions,
  type Store,
} from '@mistral-flows/core';
import { RedisReplayLog } from '@mistral-flows/stream/redis';
import type { Mistral } from '@mistralai/mistralai';
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ConversationRuntimeError } from '../errors/conversation-runtime-error.js';
import { LeaseLostError } from '../errors/lease-lost-error.js';
import { closeUnconnectedWithin, closeWhenReady, settlesWithin } from '../internal/close-bullmq.js';
import { probeStore } from '../internal/probe-store.js';
import { ConnectionWatch } from '../internal/connection-watch.js';
import {
  actionJobId,
  cancelChannel,
  DEFAULT_CONVERSATION_QUEUE,
  runtimeKeys,
  type ActionOutcome,
  type ConversationAction,
  type ConversationJobData,
} from './conversation-action.js';
import {
  ConversationLease,
  DEFAULT_LEASE_MS,
  leasedJobTiming,
  type LeaseRecord,
} from './conversation-lease.js';
import type { ConversationLogEvent } from './conversation-log.js';
import { fencedStore, type LeaseFence } from './fenced-store.js';
import { LeaseWatch } from './lease-watch.js';

export interface ConversationWorkerOptions {
  connection: ConnectionOptions;
  /** The SDK client (`createClient()` from core) the turns run with. */
  client: Mistral;
  /** Where conversations and their leases are kept: Redis or Postgres for several machines. */
  store: Store;
  tools?: AnyTool[];
  /** The agent, or a `model` with `instructions`, that new conversations talk to. */
  agentId?: string;
  model?: string;
  instructions?: string;
  maxSteps?: number;
  maxRetries?: number;
  backoff?: BackoffOptions;
  streamOptions?: ConversationOptions['streamOptions'];
  /** Stream model answers, so that `text-delta` events reach the log (default true). */
  streaming?: boolean;
  /** Called before each tool execution (for metrics and tests). */
  onToolExecute?: (name: string) => void;
  /**
   * How long a conversation's lease lasts without renewal (default 10 s, at least 1 s): after a
   * crash, another worker takes the conversation over once it has seen the lease unchanged for
   * this long. Renewed every third of it while a turn runs.
   */
  leaseMs?: number;
  /** Queue name (default `mistral-conversations`), as given to the client. */
  name?: string;
  /** BullMQ key prefix (default `bull`), as given to the client. */
  prefix?: string;
  /** Actions (of different conversations) run at once by this worker (default 10). */
  concurrency?: number;
  /**
   * BullMQ's job lock (default: half the lease) and stalled-job check (default: a quarter of the
   * lease): a killed worker's job is back in the queue within about `lockDuration +
   * stalledInterval`, then waits for the lease. `maxStalledCount` (default 10) bounds how often
   * one action may lose its worker before it fails; later actions then skip it.
   */
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /** How long an action waits before looking again for the action before it (default 250 ms). */
  orderRetryMs?: number;
  /**
   * How long `ready()` waits for Redis and the store before failing with `RedisUnavailableError`
   * or `ConversationRuntimeError` (`store_unavailable`) (default 10 s).
   */
  redisTimeoutMs?: number;
  /**
   * Conversations kept in memory after their action, so that this worker's next action on one of
   * them needs no read of the store (default 1,000; 0 keeps none). A kept conversation is used
   * only while its lease record is the one this worker released; the least recent goes first.
   */
  residentConversations?: number;
  /**
   * Watch the leases of the actions in progress on other workers, and free those that expire
   * (default true): a crashed worker's action is then taken over about `leaseMs` after the
   * crash. Costs one store read per action in progress every `leaseMs / 8`.
   */
  watchLeases?: boolean;
  /** This worker's id in lease records (default: a random UUID per worker). */
  workerId?: string;
  /** Start processing at once (default true). */
  autorun?: boolean;
}

/** A running conversation worker. */
export interface ConversationWorker {
  readonly id: string;
  readonly name: string;
  readonly worker: Worker<ConversationJobData, ActionOutcome>;
  /** Resolves once Redis and the store answer; rejects with a typed error after `redisTimeoutMs`. */
  ready(): Promise<void>;
  /** Stops taking actions, lets those in flight finish, and closes its connections (not the store). */
  close(): Promise<void>;
}

/** Checks of a missing earlier action before it is skipped (with `orderRetryMs`, about 2.5 s). */
const GAP_CHECKS = 10;

/**
 * Runs the actions of conversations enqueued by `createConversationClient`, on any number of
 * processes and machines.
 *
 * - One worker at a time advances a conversation: it holds the conversation's lease (a record in
 *   the store, taken and renewed by compare-and-set, see `ConversationLease`) while it applies an
 *   action, and writes the conversation only through it.
 * - Actions of one conversation are applied in the order they were enqueued, without BullMQ
 *   groups: each has a number from Redis INCR, the lease record says which number was applied
 *   last, and an action whose predecessor is not applied yet goes back to the delayed set (the
 *   worker that applies the predecessor promotes it at once). An action whose predecessor's job
 *   is gone (its client died between numbering and enqueueing) or failed for good is skipped
 *   after a few checks, so nothing waits for ever.
 * - A worker killed mid-turn leaves its job to BullMQ's stalled-job check, which gives it to
 *   another worker; that worker waits until the lease has not changed for `leaseMs` and resumes
 *   the conversation from the store (`resumeConversation`): tool calls whose results were stored
 *   are not run again.
 * - Turn events go to a Redis Stream per conversation, which `events(id)` and `serveSSE` read.
 */
export function createConversationWorker(options: ConversationWorkerOptions): ConversationWorker {
  validate(options);
  const { connection, prefix, store } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const name = options.name ?? DEFAULT_CONVERSATION_QUEUE;
  const redisPrefix = prefix ?? 'bull';
  const orderRetryMs = options.orderRetryMs ?? 250;
  const workerId = options.workerId ?? randomUUID();
  const base = { connection, ...(prefix !== undefined ? { prefix } : {}) };
  const watch = new ConnectionWatch(connection, options.redisTimeoutMs);
  const queue = watch.listen(new Queue<ConversationJobData, ActionOutcome>(name, base));
  const conversationOptions = {
    client: options.client,
    tools: options.tools ?? [],
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.streamOptions ? { streamOptions: options.streamOptions } : {}),
    ...(options.onToolExecute ? { onToolExecute: options.onToolExecute } : {}),
    streaming: options.streaming ?? true,
  };

  /** The conversations this worker is applying an action to, for cancels. */
  const active = new Map<string, { seq: number; conversation: Conversation | undefined }>();
  let subscriber: Redis | undefined;

  const redis = async (): Promise<Redis> => (await queue.client) as unknown as Redis;
  /**
   * The connection for an action's own commands (events, outcomes, the cancel mark): with
   * auto-pipelining, the commands issued in one tick go out in one write.
   */
  let pipelined: Promise<Redis> | undefined;
  const runtime = (): Promise<Redis> => {
    pipelined ??= redis().then((connection) => {
      const duplicate = connection.duplicate({ enableAutoPipelining: true });
      duplicate.on('error', (error: unknown) => worker.emit('error', asError(error)));
      return duplicate;
    });
    return pipelined;
  };
  const logOf = async (conversationId: string) =>
    new RedisReplayLog<ConversationLogEvent>({
      client: await runtime(),
      key: runtimeKeys(redisPrefix, name, conversationId).events,
    });

  /** The outcome of an action already applied (a job run again after its worker died). */
  const appliedOutcome = (data: ConversationJobData, record: LeaseRecord | undefined) =>
    record?.last?.seq === data.seq
      ? record.last
      : ({
          conversationId: data.conversationId,
          seq: data.seq,
          action: data.action.type,
          status: 'skipped',
        } satisfies ActionOutcome);

  /**
   * A job whose action was applied already (its worker died after the commit, or a duplicate):
   * the outcome is announced again when it is the last one, since the crash may have come before
   * its announcement; a client takes the first `action-end` of an action.
   */
  const appliedAgain = async (
    data: ConversationJobData,
    record: LeaseRecord | undefined,
  ): Promise<ActionOutcome> => {
    const outcome = appliedOutcome(data, record);
    if (record?.last?.seq === data.seq) await announce(outcome);
    return outcome;
  };

  /**
   * Marks action `seq` as applied without running it: its job is gone or failed for good. Only
   * when nobody holds the lease, by compare-and-set on the version read.
   */
  const skip = async (
    conversationId: string,
    seq: number,
    action: ConversationAction['type'] | undefined,
    why: string,
  ): Promise<void> => {
    const lease = new ConversationLease({ store, conversationId, owner: workerId, leaseMs });
    const taken = await lease.acquire({ stop: (record) => record.done >= seq });
    if (!taken) return;
    if (lease.record.done !== seq - 1) {
      await lease.release();
      return;
    }
    const outcome: ActionOutcome = {
      conversationId,
      seq,
      // The action of a job that never reached the queue is unknown: reported as a send.
      action: action ?? 'send',
      status: 'skipped',
      error: { code: 'action_skipped', message: why },
    };
    await lease.release({ done: seq, applying: undefined, last: outcome });
    await announce(outcome);
  };

  /**
   * Called when action `seq` of the job cannot run yet: skips a predecessor whose job is gone or
   * failed, else puts the job back in the delayed set. Returns only after a skip (look again).
   */
  const waitForPredecessor = async (
    job: Job<ConversationJobData, ActionOutcome>,
    token: string | undefined,
    next: number,
  ): Promise<void> => {
    const { conversationId } = job.data;
    const predecessor = await queue.getJob(actionJobId(conversationId, next));
    const state = predecessor ? await predecessor.getState() : 'unknown';
    if (state === 'failed') {
      await skip(
        conversationId,
        next,
        predecessor?.data.action.type,
        `action ${next} failed for good`,
      );
      return;
    }
    if (state === 'unknown') {
      const checks = (job.data.gapChecks ?? 0) + 1;
      if (checks >= GAP_CHECKS) {
        await skip(
          conversationId,
          next,
          undefined,
          `action ${next} was never enqueued (or was removed)`,
        );
        return;
      }
      await job.updateData({ ...job.data, gapChecks: checks });
    }
    await job.moveToDelayed(Date.now() + orderRetryMs, token);
    throw new DelayedError();
  };

  /** The highest action number at which a cancel of the conversation was asked (0: none). */
  const readCancelMark = async (
    conversationId: string,
  ): Promise<{ at: number } | { error: unknown }> => {
    try {
      const cancelKey = runtimeKeys(redisPrefix, name, conversationId).cancel;
      return { at: Number((await (await runtime()).get(cancelKey)) ?? 0) };
    } catch (error) {
      return { error };
    }
  };

  /** Promotes the next action of a conversation when it is waiting in the delayed set. */
  const promoteNext = async (conversationId: string, seq: number): Promise<void> => {
    const nextId = actionJobId(conversationId, seq + 1);
    // One command (sent with the outcome's): is it in the delayed set?
    if ((await (await runtime()).zscore(queue.toKey('delayed'), nextId)) === null) return;
    try {
      await (await queue.getJob(nextId))?.promote();
    } catch {
      // It left the delayed set in between (promoted by its own timer): nothing to do.
    }
  };

  /** A conversation this worker keeps in memory after applying one of its actions. */
  interface Resident {
    conversation: Conversation;
    fence: LeaseFence;
    /** The lease record as this worker released it: the conversation is current while it is. */
    released: { record: LeaseRecord; version: number };
  }
  const resident = new Map<string, Resident>();
  /** Conversations whose action is being applied or committed here, until that has ended. */
  const committing = new Map<string, Promise<void>>();
  const maxResident = options.residentConversations ?? 1_000;
  const unheld = (conversationId: string) => () =>
    new LeaseLostError({
      conversationId,
      expectedVersion: 0,
      message: `Conversation "${conversationId}" was written while this worker held no lease`,
    });
  /** Stops a conversation kept in memory (it has nothing left to write). */
  const discard = (kept: Resident): void => {
    kept.fence.lease = undefined;
    kept.conversation.close().catch((error: unknown) => worker.emit('error', asError(error)));
  };
  /** Keeps a settled conversation in memory for its next action, the least recent out first. */
  const keep = (conversationId: string, kept: Resident): void => {
    resident.set(conversationId, kept);
    for (const [oldest, entry] of resident) {
      if (resident.size <= maxResident) break;
      resident.delete(oldest);
      discard(entry);
    }
  };

  const processJob = async (
    job: Job<ConversationJobData, ActionOutcome>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<ActionOutcome> => {
    const data = job.data;
    const { conversationId, seq } = data;
    // A client learns an outcome as the action commits, and may send the next one at once: when
    // it reaches this worker before that commit has ended, it waits for it, and then finds the
    // conversation kept and the lease record current.
    for (let previous = committing.get(conversationId); previous;) {
      await previous;
      previous = committing.get(conversationId);
    }
    const lease = new ConversationLease({ store, conversationId, owner: workerId, leaseMs });
    // The conversation as this worker left it after its previous action, if it kept it: it is
    // current as long as the lease record is the one this worker released (every other worker
    // writes the lease record before it writes the conversation).
    const kept = resident.get(conversationId);
    resident.delete(conversationId);
    let dropped = false;
    const drop = () => {
      if (kept && !dropped) discard(kept);
      dropped = true;
    };
    let seen = kept?.released.record.done === seq - 1 ? kept.released : undefined;
    try {
      while (!seen) {
        const read = await lease.peek();
        const done = read?.record.done ?? 0;
        if (done >= seq) {
          drop();
          return await appliedAgain(data, read?.record);
        }
        if (done === seq - 1) seen = read ?? { record: { owner: null, done: 0 }, version: 0 };
        else await waitForPredecessor(job, token, done + 1);
      }
    } catch (error) {
      // Put back in the delayed set (or failed): whoever applies the actions before it moves the
      // lease record on, so the kept copy would not be current any more.
      drop();
      throw error;
    }
    const current = kept !== undefined && seen.version === kept.released.version;
    // Taking the lease also marks the action as being applied, in the same write, when the
    // conversation is known to be settled: its turn count is the one in memory.
    const patch =
      current &&
      data.action.type !== 'create' &&
      seen.record.owner === null &&
      !seen.record.applying
        ? { applying: { seq, turnBefore: kept.conversation.actor.getSnapshot().context.turn } }
        : undefined;
    // The cancel mark is read while the lease is taken (a cancel asked after this read still
    // reaches the turn through the cancel channel once it runs).
    const cancelMark = readCancelMark(conversationId);
    let taken: boolean;
    try {
      taken = await lease.acquire({
        stop: (record) => record.done >= seq,
        known: seen,
        ...(patch ? { patch } : {}),
        seenSince: (version) => leaseWatch.seenSince(conversationId, version),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      drop();
      throw error;
    }
    const reuse = current && taken && lease.takenFrom === kept.released.version ? kept : undefined;
    if (!reuse) drop();
    if (!taken) return appliedAgain(data, (await lease.peek())?.record);
    const resumed = !lease.patched && lease.record.applying?.seq === seq;
    let outcome: ActionOutcome;
    let applied: Omit<Resident, 'released'> | undefined;
    let committed!: () => void;
    committing.set(conversationId, new Promise<void>((resolve) => (committed = resolve)));
    try {
      ({ outcome, applied } = await apply(job, lease, { resumed, reuse, cancelMark }));
      // The commit point: progress and the lease's release in one compare-and-set. The outcome,
      // final once the conversation is stored, is announced at the same time: a run of this job
      // after a crash before the commit resumes the stored conversation, finds the same outcome
      // and announces it again (a client takes the first).
      const [commit, told] = await Promise.allSettled([
        lease.release({ done: seq, applying: undefined, last: outcome }),
        announce(outcome),
      ]);
      if (commit.status === 'rejected') throw commit.reason;
      const released = commit.value;
      if (applied && maxResident > 0 && told.status === 'fulfilled') {
        keep(conversationId, { ...applied, released });
      } else if (applied) {
        discard({ ...applied, released });
      }
      applied = undefined;
      // Committed: a failed announcement fails this attempt, whose retry announces it again.
      if (told.status === 'rejected') throw told.reason;
    } catch (error) {
      if (applied) discard({ ...applied, released: seen });
      lease.stopRenewing();
      if (!LeaseLostError.isInstance(error) && lease.held) {
        // Give the lease back at once so that the next attempt need not wait for it to expire;
        // when this write fails too, the lease simply expires.
        await lease.release().catch((releaseError: unknown) => {
          worker.emit('error', asError(releaseError));
        });
      }
      throw error;
    } finally {
      committing.delete(conversationId);
      committed();
    }
    await promoteNext(conversationId, seq);
    return outcome;
  };

  /**
   * Appends an action's outcome to its conversation's event log and to its outcome stream, where
   * `result()` waits for it.
   */
  const announce = async (outcome: ActionOutcome): Promise<void> => {
    const { conversationId, seq } = outcome;
    const connection = await runtime();
    const log = await logOf(conversationId);
    await Promise.all([
      log.append('action-end', { type: 'action-end', conversationId, seq, outcome }),
      connection.xadd(
        runtimeKeys(redisPrefix, name, conversationId).ends,
        'MAXLEN',
        '~',
        '1000',
        '*',
        's',
        String(seq),
        'd',
        JSON.stringify(outcome),
      ),
    ]);
  };

  /**
   * Applies one action with the lease held, and waits until the conversation has settled and its
   * writes are stored. Returns the conversation (settled, with nothing left to write) when the
   * worker may keep it for the conversation's next action.
   */
  const apply = async (
    job: Job<ConversationJobData, ActionOutcome>,
    lease: ConversationLease,
    {
      resumed,
      reuse,
      cancelMark,
    }: {
      resumed: boolean;
      reuse: Resident | undefined;
      cancelMark: Promise<{ at: number } | { error: unknown }>;
    },
  ): Promise<{ outcome: ActionOutcome; applied?: Omit<Resident, 'released'> }> => {
    const { conversationId, seq, action } = job.data;
    const log = await logOf(conversationId);
    const appends: Array<Promise<void>> = [];
    let appendFailure: unknown;
    const record = (event: ConversationLogEvent) => {
      appends.push(
        log.append(event.type, event).then(
          () => undefined,
          (error: unknown) => {
            appendFailure ??= error;
          },
        ),
      );
    };
    /** Waits for the events appended so far; the first append that failed fails the action. */
    const recorded = async (): Promise<void> => {
      await Promise.all(appends);
      if (appendFailure !== undefined) throw asError(appendFailure);
    };
    record({
      type: 'action-start',
      conversationId,
      seq,
      action: action.type,
      resumed,
      ...(resumed && lease.takenOverFrom ? { takenOverFrom: lease.takenOverFrom } : {}),
      at: Date.now(),
    });
    const outcomeBase = { conversationId, seq, action: action.type };
    const fence: LeaseFence = reuse?.fence ?? { lease, unheld: unheld(conversationId) };
    fence.lease = lease;
    const store = fencedStore(options.store, fence);
    /** Keeps `conversation` for the next action once its writes are stored. */
    const settledWith = async (
      outcome: ActionOutcome,
      conversation: Conversation | undefined,
    ): Promise<{ outcome: ActionOutcome; applied?: Omit<Resident, 'released'> }> => {
      try {
        await conversation?.flush();
        await recorded();
      } catch (error) {
        fence.lease = undefined;
        if (conversation) await closeAfterFailure(conversation);
        throw error;
      }
      fence.lease = undefined;
      return conversation ? { outcome, applied: { conversation, fence } } : { outcome };
    };

    if (action.type === 'create') {
      if (reuse) return settledWith({ ...outcomeBase, status: 'idle' }, reuse.conversation);
      const exists = await store.get(conversationKey(conversationId));
      const created = exists
        ? undefined
        : createConversation({
            ...conversationOptions,
            ...agentOptions(options),
            id: conversationId,
            store,
          });
      // flush() waits for the first record to be stored: it rejects with the write's error.
      return settledWith({ ...outcomeBase, status: 'idle' }, created);
    }

    const mark = await cancelMark;
    if ('error' in mark) throw mark.error;
    const cancelledAt = mark.at;
    if (action.type !== 'cancel' && cancelledAt > seq) {
      return settledWith(
        {
          ...outcomeBase,
          status: 'cancelled',
          error: { code: 'action_cancelled', message: `cancelled by action ${cancelledAt}` },
        },
        reuse?.conversation,
      );
    }

    let conversation: Conversation;
    if (reuse) {
      conversation = reuse.conversation;
    } else {
      try {
        conversation = await resumeConversation(conversationId, { ...conversationOptions, store });
      } catch (error) {
        if (AgentsError.isInstance(error) && error.code === 'conversation_not_found') {
          return settledWith(
            {
              ...outcomeBase,
              status: 'error',
              error: {
                code: 'conversation_not_found',
                message: `No stored conversation "${conversationId}"`,
              },
            },
            undefined,
          );
        }
        throw error;
      }
    }
    const entry = { seq, conversation };
    active.set(conversationId, entry);
    let failed = false;
    let result: ActionOutcome;
    const stopOnLoss = lease.onLost(() => conversation.actor.stop());
    const unsubscribe = conversation.actor.on('*', (event: ConversationEmitted) =>
      record({ ...event, conversationId, seq }),
    );
    try {
      const snapshot = conversation.actor.getSnapshot();
      if (!resumed && !lease.patched) {
        await lease.update({ applying: { seq, turnBefore: snapshot.context.turn } });
      }
      const turnBefore = lease.record.applying?.turnBefore ?? snapshot.context.turn;
      const refused = (code: string, message: string): ActionOutcome => ({
        ...outcomeBase,
        status: 'error',
        error: { code, message },
      });
      let outcome: ActionOutcome | undefined;
      switch (action.type) {
        case 'send':
          if (snapshot.context.turn > turnBefore) break; // sent before a crash: wait for its end
          if (snapshot.matches('failed')) {
            outcome = refused('conversation_failed', `Conversation "${conversationId}" has failed`);
          } else if (!snapshot.matches('idle')) {
            outcome = refused(
              'conversation_busy',
              `Conversation "${conversationId}" is ${conversation.state()}`,
            );
          } else {
            conversation.actor.send({
              type: 'user.send',
              text: action.text,
              stream: conversationOptions.streaming,
            });
          }
          break;
        case 'approve':
        case 'reject': {
          const call = snapshot.context.pendingCalls.find((c) => c.id === action.callId);
          const open =
            snapshot.matches('awaitingApproval') &&
            call?.needsApproval === true &&
            call.decision === undefined;
          if (open) {
            conversation.actor.send(
              action.type === 'approve'
                ? { type: 'tool.approve', callId: action.callId }
                : {
                    type: 'tool.reject',
                    callId: action.callId,
                    ...(action.reason !== undefined ? { reason: action.reason } : {}),
                  },
            );
          } else if (!resumed) {
            outcome = refused(
              'approval_unknown_call',
              `No call "${action.callId}" is waiting for approval`,
            );
          }
          break;
        }
        case 'cancel':
          if (!snapshot.matches('idle') && !snapshot.matches('failed')) {
            conversation.actor.send({ type: 'user.cancel' });
          }
          break;
      }
      if (!outcome) {
        await settled(conversation, lease);
        await conversation.flush();
        lease.assertHeld();
        outcome = outcomeOf(conversation, outcomeBase, turnBefore);
      }
      result = outcome;
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      unsubscribe.unsubscribe();
      stopOnLoss();
      if (active.get(conversationId) === entry) active.delete(conversationId);
      if (failed) {
        fence.lease = undefined;
        await closeAfterFailure(conversation);
      }
    }
    if (conversation.actor.getSnapshot().status === 'active')
      return settledWith(result, conversation);
    // Stopped (by a lost lease, say): not kept. close() rejects with its writer's failure.
    fence.lease = undefined;
    await conversation.close();
    await recorded();
    return { outcome: result };
  };

  const leaseWatch = new LeaseWatch({
    store,
    owner: workerId,
    leaseMs,
    activeConversations: async () =>
      (await queue.getRanges(['active'], 0, -1)).map((jobId) =>
        jobId.slice(0, jobId.lastIndexOf('.')),
      ),
    onError: (error) => worker.emit('error', asError(error)),
  });

  const worker = new Worker<ConversationJobData, ActionOutcome>(name, processJob, {
    ...base,
    concurrency: options.concurrency ?? 10,
    autorun: options.autorun ?? true,
    ...leasedJobTiming(leaseMs, options),
  });
  watch.listen(worker);
  if (options.watchLeases ?? true) leaseWatch.start();
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final =
      job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    if (!final) return;
    // The client waiting for this action learns that it failed; later actions skip it.
    const outcome: ActionOutcome = {
      conversationId: job.data.conversationId,
      seq: job.data.seq,
      action: job.data.action.type,
      status: 'error',
      error: { code: 'action_failed', message: redactString(error.message) },
    };
    announce(outcome).catch((failure: unknown) => worker.emit('error', asError(failure)));
  });

  /** Cancels the turn in flight of a conversation when a client asks (pub/sub). */
  const listenForCancels = async () => {
    subscriber = (await redis()).duplicate();
    subscriber.on('error', (error) => worker.emit('error', error));
    subscriber.on('message', (_channel: string, message: string) => {
      const [conversationId, seqText] = message.split(' ');
      const current = active.get(conversationId ?? '');
      if (current && current.seq < Number(seqText)) {
        current.conversation?.actor.send({ type: 'user.cancel' });
      }
    });
    await subscriber.subscribe(cancelChannel(redisPrefix, name));
  };
  const listening = listenForCancels();
  listening.catch((error: unknown) => worker.emit('error', asError(error)));

  let closing: Promise<void> | undefined;
  return {
    id: workerId,
    name,
    worker,
    async ready() {
      await watch.connected(worker, `connecting conversation worker ${name}`);
      await watch.within(listening, `subscribing to cancels of ${name}`);
      const failure = await probeStore(
        store,
        'conversation-lease:.probe',
        watch.timeoutMs,
        'The conversation store',
      );
      if (failure) {
        throw new ConversationRuntimeError(
          'store_unavailable',
          failure.message,
          failure.cause ? { cause: failure.cause } : {},
        );
      }
    },
    close() {
      closing ??= (async () => {
        subscriber?.disconnect();
        await leaseWatch.stop();
        if (!(await settlesWithin(worker.waitUntilReady(), watch.timeoutMs)).settled) {
          await closeUnconnectedWithin(watch, worker, queue);
          return;
        }
        await closeWhenReady(watch, worker);
        await closeWhenReady(watch, queue);
        for (const kept of resident.values()) discard(kept);
        resident.clear();
        if (pipelined) await (await pipelined).quit();
      })();
      return closing;
    },
  };
}

/**
 * Stops the conversation of an action that failed. close() rejects with the conversation's
 * writer's failure, which the action's own error already carries (flush() threw it), or with
 * nothing new: that rejection is not a second failure.
 */
async function closeAfterFailure(conversation: Conversation): Promise<void> {
  try {
    await conversation.close();
  } catch {
    // Reported by the action's error (see above).
  }
}

/** Resolves once the conversation is idle, failed or waiting for an approval (or stopped). */
function settled(conversation: Conversation, lease: ConversationLease): Promise<void> {
  const isSettled = () => {
    const snapshot = conversation.actor.getSnapshot();
    return (
      snapshot.status !== 'active' ||
      snapshot.matches('idle') ||
      snapshot.matches('failed') ||
      snapshot.matches('awaitingApproval')
    );
  };
  return new Promise<void>((resolve, reject) => {
    if (isSettled()) return resolve();
    const stopLoss = lease.onLost((error) => {
      subscription.unsubscribe();
      reject(error);
    });
    const subscription = conversation.actor.subscribe({
      next: () => {
        if (!isSettled()) return;
        subscription.unsubscribe();
        stopLoss();
        resolve();
      },
      error: (error: unknown) => {
        stopLoss();
        reject(asError(error));
      },
      complete: () => {
        stopLoss();
        resolve();
      },
    });
  });
}

/** What an action led to, from the settled conversation. */
function outcomeOf(
  conversation: Conversation,
  base: Pick<ActionOutcome, 'conversationId' | 'seq' | 'action'>,
  turnBefore: number,
): ActionOutcome {
  const snapshot = conversation.actor.getSnapshot();
  const { context } = snapshot;
  if (snapshot.matches('awaitingApproval')) {
    return {
      ...base,
      status: 'awaitingApproval',
      pendingApprovals: context.pendingCalls
        .filter((c) => c.needsApproval && c.decision === undefined)
        .map((c) => ({ callId: c.id, name: c.name, arguments: c.arguments })),
    };
  }
  if (snapshot.matches('failed')) {
    return {
      ...base,
      status: 'failed',
      ...(context.lastError ? { error: context.lastError } : {}),
    };
  }
  const ended = context.lastTurn !== undefined && context.lastTurn.turn === context.turn;
  if (base.action === 'cancel') return { ...base, status: 'idle' };
  if (context.turn > turnBefore || base.action !== 'send') {
    if (ended && context.lastTurn) return { ...base, status: 'idle', turn: context.lastTurn };
  }
  return {
    ...base,
    status: 'cancelled',
    error: { code: 'action_cancelled', message: 'The turn was cancelled' },
  };
}

function agentOptions(options: ConversationWorkerOptions) {
  return {
    ...(options.agentId !== undefined ? { agentId: options.agentId } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
  };
}

function validate(options: ConversationWorkerOptions): void {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError('options', 'expected an options object');
  }
  if (!options.client) {
    throw new InvalidArgumentError('client', 'a Mistral client is required (createClient())');
  }
  if (!options.store) {
    throw new InvalidArgumentError('store', 'a store is required (RedisStore or PostgresStore)');
  }
  if (!options.agentId === !options.model) {
    throw new InvalidArgumentError('agentId', 'give exactly one of agentId and model');
  }
  const kept = options.residentConversations;
  if (kept !== undefined && !(Number.isInteger(kept) && kept >= 0)) {
    throw new InvalidArgumentError(
      'residentConversations',
      `expected an integer >= 0, got ${String(kept)}`,
    );
  }
  for (const key of ['concurrency', 'orderRetryMs', 'lockDuration', 'stalledInterval'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new InvalidArgumentError(key, `expected an integer >= 1, got ${String(value)}`);
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
