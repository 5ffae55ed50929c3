import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AgentStore } from '../agents/agent-store.js';
import { epochSeconds, type Clock } from '../http/clock.js';
import { uuid } from '../http/ids.js';
import type { Timers } from '../http/timers.js';
import { createRandom, mixSeed } from '../model/prng.js';
import type { ModelCatalogue } from '../models/model-catalogue.js';
import type { BatchFaultKind, ResolvedOptions } from '../options.js';
import type { ScenarioMatcher } from '../scenarios/scenario-matcher.js';
import type { StatsRecorder } from '../stats/stats-recorder.js';
import type { FileRecord, FileStore, FileWriter } from '../storage/file-store.js';
import type { InlineRequest, JobStore } from '../storage/job-store.js';
import { terminalStatuses, type BatchJobRecord, type BatchStatus } from './batch-job.js';
import { processLine, type LineContext } from './process-line.js';
import { countLines, readLineBatches } from './read-lines.js';

export interface BatchEngineDeps {
  files: FileStore;
  jobs: JobStore;
  agents: AgentStore;
  models: ModelCatalogue;
  timers: Timers;
  clock: Clock;
  options: ResolvedOptions;
  stats: StatsRecorder;
  scenarios?: ScenarioMatcher;
}

interface RunState {
  cancel: boolean;
  deleted: boolean;
  wake?: () => void;
  done?: Promise<void>;
}

/** How a run ends: a final status, or `abandon` (emulator closing or job deleted: nothing written). */
type Ending = Exclude<BatchStatus, 'QUEUED' | 'RUNNING' | 'CANCELLATION_REQUESTED'> | 'abandon';

const batchFaults = new Set<string>(['fail', 'timeout', 'stall', 'partial']);
const progressEveryMs = 500;
const sliceMs = 8;

/**
 * Runs batch jobs the way the platform does: `QUEUED` until a slot is free (`batchConcurrency`),
 * then `RUNNING` with live counters while lines stream through the scripted model at `batchRps`,
 * then `SUCCESS`, `FAILED` or `TIMEOUT_EXCEEDED` (`timeout_hours` on the clock sped up by
 * `batchClockScale`), or `CANCELLATION_REQUESTED` then `CANCELLED`. Input is read line by line and
 * output written line by line, so memory holds only what the output files need.
 *
 * Faults (`metadata.emulator_fault` or `faults.batchJob`): `fail` fails the job halfway, `timeout`
 * ends it `TIMEOUT_EXCEEDED` halfway, `stall` keeps it `RUNNING` without progress until it is
 * cancelled or times out, `partial` fails every third line.
 */
export class BatchEngine {
  private readonly queue: string[] = [];
  private readonly running = new Map<string, RunState>();
  private stopped = false;

  constructor(private readonly deps: BatchEngineDeps) {}

  /** Queues a new job. */
  create(job: BatchJobRecord, requests?: InlineRequest[]): void {
    this.deps.jobs.create(job, requests);
    this.deps.stats.countJob(job.metadata);
    this.queue.push(job.id);
    this.pump();
  }

  /** After a restart: queues unfinished jobs again (from their first line) and ends pending cancellations. */
  resume(): void {
    for (const job of this.deps.jobs.list().sort((a, b) => a.createdMs - b.createdMs)) {
      if (job.status === 'CANCELLATION_REQUESTED') {
        job.status = 'CANCELLED';
        job.completed_at = epochSeconds(this.deps.clock.now());
        this.deps.jobs.save(job);
      } else if (job.status === 'QUEUED' || job.status === 'RUNNING') {
        this.queue.push(job.id);
      }
    }
    this.pump();
  }

  /** Requests cancellation: a queued job is cancelled at once, a running one at its next line. */
  cancel(job: BatchJobRecord): void {
    if (terminalStatuses.has(job.status)) return;
    const queued = this.queue.indexOf(job.id);
    if (queued >= 0 || job.status === 'QUEUED') {
      if (queued >= 0) this.queue.splice(queued, 1);
      this.finishStatus(job, 'CANCELLED');
      return;
    }
    job.status = 'CANCELLATION_REQUESTED';
    this.deps.jobs.save(job);
    const state = this.running.get(job.id);
    if (state) {
      state.cancel = true;
      state.wake?.();
    }
  }

  delete(id: string): boolean {
    const queued = this.queue.indexOf(id);
    if (queued >= 0) this.queue.splice(queued, 1);
    const state = this.running.get(id);
    if (state) {
      state.deleted = true;
      state.wake?.();
    }
    return this.deps.jobs.delete(id);
  }

  /**
   * Stops every run where it is (the emulator is closing) and resolves once they have let go of
   * their files; unfinished jobs stay as they are, to resume after a restart.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    const runs = [...this.running.values()];
    for (const state of runs) state.wake?.();
    await Promise.all(runs.map((state) => state.done ?? Promise.resolve()));
  }

  /** Drops every job (reset): running ones stop, and their files are let go before this resolves. */
  async clear(): Promise<void> {
    this.queue.length = 0;
    const runs = [...this.running.values()];
    for (const state of runs) {
      state.deleted = true;
      state.wake?.();
    }
    await Promise.all(runs.map((state) => state.done ?? Promise.resolve()));
    this.deps.jobs.clear();
  }

  private pump(): void {
    while (
      !this.stopped &&
      this.running.size < this.deps.options.batchConcurrency &&
      this.queue.length > 0
    ) {
      const job = this.deps.jobs.get(this.queue.shift()!);
      if (!job) continue;
      const state: RunState = { cancel: job.status === 'CANCELLATION_REQUESTED', deleted: false };
      this.running.set(job.id, state);
      state.done = this.run(job, state)
        .catch((error: unknown) => {
          if (!state.deleted && !this.stopped) {
            job.errors.push({ message: `Internal emulator error: ${String(error)}`, count: 1 });
            this.finishStatus(job, 'FAILED');
          }
        })
        .finally(() => {
          this.running.delete(job.id);
          this.pump();
        });
    }
  }

  private now(): number {
    return this.deps.clock.now();
  }

  /** Waits `ms`, or less when the run is woken (cancel, delete, stop) or the timers are cleared. */
  private pause(state: RunState, ms: number): Promise<void> {
    const { timers } = this.deps;
    if (this.stopped || state.deleted || state.cancel) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = timers.set(resolve, Math.max(0, Math.min(ms, 2 ** 31 - 1)), resolve);
      state.wake = () => {
        timers.clear(timer);
        resolve();
      };
    }).finally(() => {
      state.wake = undefined;
    });
  }

  private finishStatus(job: BatchJobRecord, status: BatchStatus): void {
    job.status = status;
    job.completed_at = epochSeconds(this.now());
    this.deps.jobs.save(job);
  }

  private async run(job: BatchJobRecord, state: RunState): Promise<void> {
    const { files, jobs, options } = this.deps;
    const deadline = job.createdMs + (job.timeoutHours * 3_600_000) / options.batchClockScale;
    const requested = job.metadata?.emulator_fault;
    const fault = (
      requested !== undefined && batchFaults.has(requested) ? requested : options.batchJobFault
    ) as BatchFaultKind | undefined;
    if (fault) this.deps.stats.countFault(`batch:${fault}`);
    Object.assign(job, {
      status: 'RUNNING',
      started_at: epochSeconds(this.now()),
      completed_at: null,
      total_requests: 0,
      completed_requests: 0,
      succeeded_requests: 0,
      failed_requests: 0,
      output_file: null,
      error_file: null,
      errors: [],
    } satisfies Partial<BatchJobRecord>);
    jobs.save(job);

    // Inputs: inline requests, or the lines of every input file in order.
    let source: () => AsyncGenerator<(string | Record<string, unknown>)[]>;
    if (job.inline) {
      const requests = jobs.inlineRequests(job.id);
      job.total_requests = requests.length;
      source = async function* () {
        yield requests as unknown as Record<string, unknown>[];
      };
    } else {
      const missing = job.input_files.filter((id) => !files.get(id));
      if (missing.length > 0) {
        job.errors = missing.map((id) => ({ message: `Input file ${id} was not found`, count: 1 }));
        this.finishStatus(job, 'FAILED');
        return;
      }
      try {
        for (const id of job.input_files) job.total_requests += await countLines(files.chunks(id));
      } catch (error) {
        job.errors = [{ message: `Input file could not be read: ${String(error)}`, count: 1 }];
        this.finishStatus(job, 'FAILED');
        return;
      }
      const inputs = job.input_files;
      source = async function* () {
        for (const id of inputs) yield* readLineBatches(files.chunks(id));
      };
    }
    jobs.save(job);

    const created_at = epochSeconds(this.now());
    const file = (kind: 'output' | 'error'): Omit<FileRecord, 'bytes' | 'num_lines'> => ({
      id: uuid(),
      object: 'file',
      created_at,
      filename: `batch-${job.id}-${kind}.jsonl`,
      purpose: 'batch',
      sample_type: kind === 'output' ? 'batch_result' : 'batch_error',
      mimetype: 'application/jsonl',
      source: 'mistral',
      signature: null,
      expires_at: null,
      visibility: 'workspace',
    });
    const output = files.writer(file('output'));
    const errors = files.writer(file('error'));
    const lineRate = options.batchLineFaultRate;
    const context: LineContext = {
      job,
      agents: this.deps.agents,
      models: this.deps.models,
      scenarios: this.deps.scenarios,
      seed: options.seed,
      now: () => this.now(),
      injectFailure: (n) =>
        (fault === 'partial' && n % 3 === 0) ||
        (lineRate > 0 && createRandom(mixSeed(options.seed, n))() < lineRate),
    };
    const half = Math.floor(job.total_requests / 2);
    const startedAt = this.now();
    let sliceStart = startedAt;
    let savedAt = startedAt;
    let lineNumber = 0;

    const checkpoint = async (): Promise<Ending | undefined> => {
      for (;;) {
        if (this.stopped || state.deleted) return 'abandon';
        if (state.cancel) return 'CANCELLED';
        if (this.now() >= deadline) return 'TIMEOUT_EXCEEDED';
        if (fault === 'timeout' && job.completed_requests >= half) return 'TIMEOUT_EXCEEDED';
        if (fault === 'fail' && job.completed_requests >= half) return 'FAILED';
        if (fault !== 'stall') return undefined;
        // Stalled: wait for a cancel, a delete, the deadline or the emulator closing.
        await this.pause(state, deadline - this.now());
      }
    };

    let ending = await checkpoint();
    if (ending === undefined) {
      outer: for await (const batch of source()) {
        for (const line of batch) {
          lineNumber++;
          if (typeof line === 'string' && line.trim() === '') continue;
          ending = await checkpoint();
          if (ending !== undefined) break outer;
          const result = processLine(line, lineNumber, context);
          const pending = (result.ok ? output : errors).write(result.text);
          if (pending) await pending;
          job.completed_requests++;
          if (result.ok) job.succeeded_requests++;
          else job.failed_requests++;
          const now = this.now();
          if (options.batchRps !== undefined) {
            const due = startedAt + (job.completed_requests * 1000) / options.batchRps;
            if (due > now) await this.pause(state, due - now);
          } else if (now - sliceStart >= sliceMs) {
            await nextTurn();
            sliceStart = this.now();
          }
          if (now - savedAt >= progressEveryMs) {
            jobs.save(job);
            savedAt = now;
          }
        }
      }
      // Every line ran: only a stop or a delete can still keep the job from finishing.
      if (ending === undefined && (this.stopped || state.deleted)) ending = 'abandon';
    }
    if (ending === 'abandon') {
      await output.abort();
      await errors.abort();
      return;
    }
    const status: Ending =
      ending ?? (job.succeeded_requests === 0 && job.total_requests > 0 ? 'FAILED' : 'SUCCESS');
    job.output_file = await keep(output);
    job.error_file = await keep(errors);
    if (status === 'FAILED') {
      job.errors.push({
        message:
          fault === 'fail'
            ? 'The job failed (injected by the emulator: emulator_fault=fail)'
            : 'Every request of the job failed',
        count: 1,
      });
    }
    if (status === 'TIMEOUT_EXCEEDED') {
      job.errors.push({
        message: `The job did not finish within timeout_hours=${job.timeoutHours}`,
        count: 1,
      });
    }
    this.finishStatus(job, status);
  }
}

/** Stores a written file when it has lines, else drops it; returns its id or null. */
async function keep(writer: FileWriter): Promise<string | null> {
  if (writer.lines === 0) {
    await writer.abort();
    return null;
  }
  return (await writer.finish()).id;
}
