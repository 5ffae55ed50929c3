import {
  backoffDelay,
  InvalidArgumentError,
  redactString,
  sleep,
  StoreConflictError,
  type JsonText,
  type Store,
  type StoreEntry,
} from '@mistral-flows/core';
import { AgentsError } from '../errors.js';
import { conversationKey } from './persistence.js';

/** Retries of a failed write before the conversation fails (a conflict is never retried). */
const WRITE_RETRIES = 3;
const WRITE_BACKOFF = { initialDelayMs: 50, maxDelayMs: 1_000 };

/**
 * Writes one conversation's records to a store in order, one write at a time, always the latest:
 * when several steps settle during a write, the next write carries the last of them.
 *
 * Every write is a compare-and-set on the version this writer last wrote (0 for a conversation
 * that must not exist yet), so a second writer of the same conversation, in this process or
 * another, gets a typed conflict instead of overwriting. A write that fails for another reason is
 * retried a few times with backoff; when it still fails, or on a conflict, the writer stops for
 * good: `onFailure` is called once with a typed `AgentsError`, and every waiter is rejected with
 * it. What was stored before stays, so `resumeConversation` continues from there.
 */
export class SnapshotWriter {
  private latest: JsonText | undefined;
  /** Generation of the latest record asked for, and of the latest one stored. */
  private requested = 0;
  private written = 0;
  private writing: Promise<void> | undefined;
  private failed: AgentsError | undefined;
  private waiters: Array<{ generation: number; resolve: () => void; reject: (e: Error) => void }> =
    [];

  constructor(
    private readonly store: Store,
    private readonly id: string,
    /** The stored version this writer continues from; 0 when the conversation is new. */
    private version: number,
    private readonly onFailure: (error: AgentsError) => void,
  ) {}

  /** The failure that stopped this writer, if one did. */
  get failure(): AgentsError | undefined {
    return this.failed;
  }

  /** Asks for `record` to be written and returns its generation, for `stored()`. */
  save(record: JsonText): number {
    if (this.failed) return this.requested;
    this.latest = record;
    this.requested++;
    this.writing ??= this.drain();
    return this.requested;
  }

  /**
   * Resolves when the record of `generation` (or a later one) is stored, by default everything
   * asked for so far; rejects with the writer's failure.
   */
  stored(generation = this.requested): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.written >= generation) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ generation, resolve, reject }));
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest && !this.failed) {
        const record = this.latest;
        const generation = this.requested;
        this.latest = undefined;
        try {
          this.version = (await this.write(record)).version;
        } catch (error) {
          this.fail(error);
          return;
        }
        this.written = generation;
        const ready = this.waiters.filter((w) => w.generation <= generation);
        this.waiters = this.waiters.filter((w) => w.generation > generation);
        for (const waiter of ready) waiter.resolve();
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(record: JsonText): Promise<StoreEntry<JsonText>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.set(conversationKey(this.id), record, { ifVersion: this.version });
      } catch (error) {
        // A conflict or a value the store refuses will not change by trying again. (A retry after
        // a write that did land but reported a failure meets our own record as a conflict: the
        // conversation then stops, and resuming it continues from that record.)
        const final =
          StoreConflictError.isInstance(error) ||
          InvalidArgumentError.isInstance(error) ||
          attempt > WRITE_RETRIES;
        if (final) throw error;
        await sleep(backoffDelay(attempt, WRITE_BACKOFF));
      }
    }
  }

  private fail(error: unknown): void {
    const failure = toWriteError(this.id, error);
    this.failed = failure;
    this.latest = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
    this.onFailure(failure);
  }
}

function toWriteError(id: string, error: unknown): AgentsError {
  if (StoreConflictError.isInstance(error)) {
    if (error.expectedVersion === 0) {
      return new AgentsError(
        'conversation_exists',
        `Conversation "${id}" already exists in the store; this new conversation stopped without ` +
          `writing over it. Use resumeConversation("${id}") to continue it, or another id.`,
        { cause: error },
      );
    }
    return new AgentsError(
      'conversation_conflict',
      `Conversation "${id}" was written by another writer (stored version ${error.actualVersion}, ` +
        `this copy expected ${error.expectedVersion}); this copy stopped without overwriting it. ` +
        `resumeConversation("${id}") continues from what is stored.`,
      { cause: error },
    );
  }
  const reason = redactString(error instanceof Error ? error.message : String(error));
  return new AgentsError(
    'conversation_persist_failed',
    `Conversation "${id}" could not be stored (${reason}) after ${WRITE_RETRIES} retries; it ` +
      `stopped, and resumeConversation("${id}") continues from its last stored step.`,
    { cause: error },
  );
}
