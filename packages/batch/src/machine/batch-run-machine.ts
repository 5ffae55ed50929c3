import {
  assign,
  enqueueActions,
  fromPromise,
  setup,
  type ActorRefFrom,
  type DoneActorEvent,
  type SnapshotFrom,
} from 'xstate';
import type { BatchEndpoint } from '../jsonl/batch-request.js';
import { batchMachine } from './batch-machine.js';
import type { BatchEmitted, BatchFinalStatus, BatchMachineInput } from './types.js';

/** One job's share of a batch: its key, its input file and its outcome once known. */
export interface ShardInfo {
  key: string;
  index: number;
  lines: number;
  bytes: number;
  status?: BatchFinalStatus;
}

export interface PrepareShardsArgs {
  key: string;
  workDir: string;
  endpoint: BatchEndpoint;
  /** Every body must name its model: the jobs are created with neither model nor agent. */
  requireBodyModel: boolean;
  maxRequestsPerJob: number;
  maxBytesPerJob: number;
}

/** What `prepareShards` gives: the shards, and when the batch first started. */
export interface PreparedShards {
  shards: ShardInfo[];
  /** Recorded once, the first time the batch was prepared (ms since the epoch). */
  startedAt: number;
}

export interface BatchRunInput {
  key: string;
  /** Everything each job's machine gets, but its key. */
  job: Omit<BatchMachineInput, 'key'>;
  maxRequestsPerJob?: number;
  maxBytesPerJob?: number;
}

export interface BatchRunContext {
  key: string;
  job: Omit<BatchMachineInput, 'key'>;
  maxRequestsPerJob: number;
  maxBytesPerJob: number;
  shards: ShardInfo[];
  /** When the batch first started, as recorded by `prepareShards`. */
  startedAt: number | undefined;
  cancelRequested: boolean;
  failure: { code: string; message: string } | undefined;
  /** Set on entering a final state. */
  outcome: BatchFinalStatus | undefined;
  createdAt: number;
}

/** The key of shard `index` of `count`: the batch key itself when there is one shard. */
export const shardKey = (key: string, index: number, count: number) =>
  count === 1 ? key : `${key}~${index + 1}of${count}`;

/**
 * The parent of a batch: `preparing` validates the whole input and splits it into shards of at
 * most `maxRequestsPerJob` requests and `maxBytesPerJob` bytes, then `running` spawns one
 * `batchMachine` child per shard (one for a small input) and merges their outcomes;
 * `batch.cancel` cancels every child.
 */
export const batchRunMachine = setup({
  types: {
    context: {} as BatchRunContext,
    events: {} as { type: 'batch.cancel' } | DoneActorEvent<{ status: BatchFinalStatus }>,
    input: {} as BatchRunInput,
    output: {} as { status: BatchFinalStatus },
    emitted: {} as Extract<BatchEmitted, { type: 'failure' }>,
  },
  actors: {
    prepareShards: fromPromise<PreparedShards, PrepareShardsArgs>(() => {
      throw new Error(
        'The batch run machine\'s "prepareShards" actor is not provided: use runBatch()',
      );
    }),
    batchJob: batchMachine,
  },
  guards: {
    allDone: ({ context }) =>
      context.shards.length > 0 && context.shards.every((s) => s.status !== undefined),
  },
}).createMachine({
  id: 'batchRun',
  context: ({ input }) => ({
    key: input.key,
    job: input.job,
    maxRequestsPerJob: input.maxRequestsPerJob ?? 10_000,
    maxBytesPerJob: input.maxBytesPerJob ?? 100 * 1024 * 1024,
    shards: [],
    startedAt: undefined,
    cancelRequested: false,
    failure: undefined,
    outcome: undefined,
    createdAt: Date.now(),
  }),
  initial: 'preparing',
  states: {
    preparing: {
      invoke: {
        src: 'prepareShards',
        input: ({ context }) => ({
          key: context.key,
          workDir: context.job.workDir,
          endpoint: context.job.endpoint,
          requireBodyModel: !context.job.model && !context.job.agentId,
          maxRequestsPerJob: context.maxRequestsPerJob,
          maxBytesPerJob: context.maxBytesPerJob,
        }),
        onDone: {
          target: 'running',
          actions: assign({
            shards: ({ event }) => event.output.shards,
            startedAt: ({ event }) => event.output.startedAt,
          }),
        },
        onError: {
          target: 'failed',
          actions: enqueueActions(({ enqueue, event }) => {
            const e = event.error as { code?: unknown; message?: unknown } | undefined;
            const failure = {
              code: typeof e?.code === 'string' ? e.code : 'input_invalid',
              message: typeof e?.message === 'string' ? e.message : String(event.error),
            };
            enqueue.assign({ failure });
            enqueue.emit({ type: 'failure', ...failure, error: event.error });
          }),
        },
      },
      on: { 'batch.cancel': { target: 'cancelled', actions: assign({ cancelRequested: true }) } },
    },
    running: {
      entry: enqueueActions(({ context, enqueue }) => {
        for (const shard of context.shards) {
          if (shard.status === undefined) {
            enqueue.spawnChild('batchJob', {
              id: shard.key,
              input: {
                ...context.job,
                key: shard.key,
                ...(context.startedAt !== undefined ? { lookupSince: context.startedAt } : {}),
              },
            });
          }
        }
      }),
      always: { guard: 'allDone', target: 'done' },
      on: {
        'xstate.done.actor.*': {
          actions: assign({
            shards: ({ context, event }) => {
              const id = event.type.slice('xstate.done.actor.'.length);
              return context.shards.map((s) =>
                s.key === id ? { ...s, status: event.output.status } : s,
              );
            },
          }),
        },
        'batch.cancel': {
          actions: enqueueActions(({ context, enqueue }) => {
            enqueue.assign({ cancelRequested: true });
            for (const shard of context.shards)
              if (shard.status === undefined) enqueue.sendTo(shard.key, { type: 'batch.cancel' });
          }),
        },
      },
    },
    done: {
      type: 'final',
      entry: assign({ outcome: ({ context }) => aggregate('done', context) }),
    },
    failed: { type: 'final', entry: assign({ outcome: 'failed' as const }) },
    cancelled: { type: 'final', entry: assign({ outcome: 'cancelled' as const }) },
  },
  output: ({ context }) => ({ status: context.outcome ?? 'failed' }),
});

/** One status for the whole batch from its shards'. */
export function aggregate(value: string, context: BatchRunContext): BatchFinalStatus {
  if (value === 'failed') return 'failed';
  if (value === 'cancelled') return 'cancelled';
  const statuses = context.shards.map((s) => s.status);
  if (context.cancelRequested && statuses.includes('cancelled')) return 'cancelled';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('timedOut')) return 'timedOut';
  if (statuses.includes('cancelled')) return 'cancelled';
  return 'succeeded';
}

export type BatchRunActor = ActorRefFrom<typeof batchRunMachine>;
export type BatchRunSnapshot = SnapshotFrom<typeof batchRunMachine>;
