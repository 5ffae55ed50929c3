import {
  InvalidArgumentError,
  redactString,
  sleep,
  StoreConflictError,
  type Store,
} from '@mistral-flows/core';
import { LeaseLostError } from '../errors/lease-lost-error.js';
import type { ActionOutcome } from './conversation-action.js';

/** The smallest lease a worker accepts: below it, one slow store write could cost the lease. */
export const MIN_LEASE_MS = 1_000;
/** The default lease: renewed every third of it while a turn runs. */
export const DEFAULT_LEASE_MS = 10_000;

/**
 * What the runtime keeps per conversation in the store, beside the conversation's own record:
 * who holds it, the last action applied (actions are numbered from 1 in the order clients sent
 * them) and, while an action is being applied, what the conversation looked like before, so that
 * a worker resuming after a crash can tell whether the action already reached the conversation.
 */
export interface LeaseRecord {
  /** The worker holding the lease, or null. */
  owner: string | null;
  /** The number of the last action applied (0 before the first). */
  done: number;
  /** The action being applied, and the conversation's turn count before it. */
  applying?: { seq: number; turnBefore: number } | undefined;
  /** The outcome of action `done`. */
  last?: ActionOutcome | undefined;
  /** Renewals by the current owner, for operators reading the store. */
  renewals?: number;
  /**
   * Set when a worker found the lease expired and freed it (`LeaseWatch`): the owner it expired
   * from. Cleared by the next holder.
   */
  expired?: { owner: string } | undefined;
}

export const leaseKey = (conversationId: string) => `conversation-lease:${conversationId}`;

/**
 * The BullMQ worker settings of a worker that holds leases of `leaseMs`: the job lock (default
 * half the lease) and the stalled-job check (default a quarter), so that a killed worker's job is
 * back in the queue before its lease runs out, and `maxStalledCount` (default 10).
 */
export function leasedJobTiming(
  leaseMs: number,
  options: { lockDuration?: number; stalledInterval?: number; maxStalledCount?: number },
): { lockDuration: number; stalledInterval: number; maxStalledCount: number } {
  return {
    lockDuration: options.lockDuration ?? Math.max(1_000, Math.floor(leaseMs / 2)),
    stalledInterval: options.stalledInterval ?? Math.max(500, Math.floor(leaseMs / 4)),
    maxStalledCount: options.maxStalledCount ?? 10,
  };
}

export interface ConversationLeaseOptions {
  store: Store;
  conversationId: string;
  /** This worker's id: random per process, so that a restarted worker is a new owner. */
  owner: string;
  /** How long a lease whose version does not change is held (default 10 s, at least 1 s). */
  leaseMs?: number;
  /** A monotonic clock in milliseconds (default `performance.now`), for tests. */
  now?: () => number;
}

/**
 * One conversation's lease, held by one worker at a time through the store's compare-and-set.
 *
 * The record has a version that every write increments. The holder renews by writing it again
 * with `ifVersion` set to the version it last wrote, every third of the lease: when that
 * compare-and-set fails, somebody else wrote the record and the lease is lost (`LeaseLostError`).
 * A worker that wants a held lease watches the version: once it has seen the same version for a
 * whole lease duration, measured on its own monotonic clock, the holder has stopped renewing and
 * the lease is taken with a compare-and-set on that version. No timestamp of one machine is ever
 * compared with another's, so a skewed clock cannot steal a lease. The holder stops writing on
 * its own once a lease duration has passed since the start of its last successful renewal; a
 * watcher saw that renewal land after it started, so it cannot take the lease earlier.
 */
export class ConversationLease {
  readonly key: string;
  readonly leaseMs: number;
  private readonly store: Store;
  private readonly now: () => number;
  private current: LeaseRecord | undefined;
  private version = 0;
  /** When the last successful write (acquire or renewal) started, on this worker's clock. */
  private heldSince = 0;
  private lostWith: LeaseLostError | undefined;
  private from = 0;
  private wrotePatch = false;
  private previousOwner: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly lostListeners = new Set<(error: LeaseLostError) => void>();

  constructor(private readonly options: ConversationLeaseOptions) {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(Number.isFinite(leaseMs) && leaseMs >= MIN_LEASE_MS)) {
      throw new InvalidArgumentError(
        'leaseMs',
        `expected at least ${MIN_LEASE_MS} milliseconds, got ${String(leaseMs)}`,
      );
    }
    this.leaseMs = leaseMs;
    this.store = options.store;
    this.now = options.now ?? (() => performance.now());
    this.key = leaseKey(options.conversationId);
  }

  /** The record as this holder last wrote it. */
  get record(): LeaseRecord {
    if (!this.current) throw new Error('the lease is not held');
    return this.current;
  }

  /** The store version of the record this holder last wrote. */
  get heldVersion(): number {
    return this.version;
  }

  /** The version the last `acquire()` took the lease over from (0: there was no record). */
  get takenFrom(): number {
    return this.from;
  }

  /**
   * The worker that held the lease before the last `acquire()`, when it took the lease over from
   * one that stopped renewing it (directly, or after a watch freed it); undefined otherwise.
   */
  get takenOverFrom(): string | undefined {
    return this.previousOwner;
  }

  /** Whether the last `acquire()` wrote its `patch` (it does only on the `known` record). */
  get patched(): boolean {
    return this.wrotePatch;
  }

  /**
   * Reads the record without taking the lease (undefined before the conversation's first action
   * was applied).
   */
  async peek(): Promise<{ record: LeaseRecord; version: number } | undefined> {
    const entry = await this.store.get<LeaseRecord>(this.key);
    return entry ? { record: entry.value, version: entry.version } : undefined;
  }

  /**
   * Takes the lease: at once when nobody holds it, else once its version has not changed for a
   * lease duration. Resolves with false without taking it when `stop(record)` becomes true (the
   * action this worker wanted to apply was applied by someone else, say). Rejects when `signal`
   * aborts.
   */
  async acquire(
    options: {
      stop?: (record: LeaseRecord) => boolean;
      signal?: AbortSignal;
      /** The record as just read (by `peek()`), to start from without reading it again. */
      known?: { record: LeaseRecord; version: number } | undefined;
      /**
       * Written with the lease when it is taken from the `known` record, in the same
       * compare-and-set (`patched` tells whether it was): not when the record had changed.
       */
      patch?: Partial<LeaseRecord>;
      /**
       * Since when (on this worker's clock) a watch of this worker has seen the record at
       * `version` unchanged, if it has: the wait for an expiry counts from then.
       */
      seenSince?: (version: number) => number | undefined;
    } = {},
  ): Promise<boolean> {
    const pollMs = Math.max(25, Math.floor(this.leaseMs / 8));
    let watched: { version: number; since: number } | undefined;
    let known = options.known;
    let patch = options.known ? options.patch : undefined;
    for (;;) {
      options.signal?.throwIfAborted();
      const entry = known
        ? { key: this.key, value: known.record, version: known.version }
        : await this.store.get<LeaseRecord>(this.key);
      known = undefined;
      if (entry && options.stop?.(entry.value)) return false;
      const version = entry?.version ?? 0;
      if (watched?.version !== version) {
        watched = { version, since: options.seenSince?.(version) ?? this.now() };
      }
      const free =
        !entry ||
        entry.value.owner === null ||
        (watched?.version === version && this.now() - watched.since >= this.leaseMs);
      if (free) {
        const record: LeaseRecord = {
          ...(entry?.value ?? { done: 0 }),
          ...patch,
          owner: this.options.owner,
          renewals: 0,
          expired: undefined,
        };
        const started = this.now();
        try {
          const written = await this.store.set(this.key, record, { ifVersion: version });
          this.current = record;
          this.version = written.version;
          this.heldSince = started;
          this.lostWith = undefined;
          this.from = version;
          this.wrotePatch = patch !== undefined;
          this.previousOwner = entry?.value.owner ?? entry?.value.expired?.owner ?? undefined;
          this.startRenewing();
          return true;
        } catch (error) {
          if (!StoreConflictError.isInstance(error)) throw error;
          // Another worker wrote first: watch the new version, and write no patch meant for the
          // record as it was.
          watched = undefined;
          patch = undefined;
          continue;
        }
      }
      patch = undefined;
      await sleep(pollMs, options.signal);
    }
  }

  /**
   * Throws `LeaseLostError` unless this worker still holds the lease: its last renewal succeeded
   * less than a lease duration ago and no write found another version.
   */
  assertHeld(): void {
    if (this.lostWith) throw this.lostWith;
    if (!this.current) throw this.lose(undefined, 'the lease is not held');
    if (this.now() - this.heldSince >= this.leaseMs) {
      throw this.lose(
        undefined,
        `it could not be renewed for ${this.leaseMs} ms, after which another worker may take it`,
      );
    }
  }

  /** True while `assertHeld()` would not throw. */
  get held(): boolean {
    try {
      this.assertHeld();
      return true;
    } catch {
      return false;
    }
  }

  /** Called once when the lease is lost (a failed renewal, or a write that found another version). */
  onLost(listener: (error: LeaseLostError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Writes `patch` into the record, keeping the lease; `LeaseLostError` when it was lost. */
  async update(patch: Partial<LeaseRecord>): Promise<void> {
    this.assertHeld();
    await this.write({ ...this.record, ...patch });
  }

  /** Renews the lease now (the timer does it every third of the lease). */
  renew(): Promise<void> {
    this.renewing ??= (async () => {
      try {
        this.assertHeld();
        await this.write({ ...this.record, renewals: (this.record.renewals ?? 0) + 1 });
      } finally {
        this.renewing = undefined;
      }
    })();
    return this.renewing;
  }

  /**
   * Writes `patch` and gives the lease up in the same write; resolves with the record written
   * and its version.
   */
  async release(
    patch: Partial<LeaseRecord> = {},
  ): Promise<{ record: LeaseRecord; version: number }> {
    this.stopRenewing();
    // A renewal still in flight: a lost lease is thrown here; any other failure of it is superseded
    // by the write below, which carries the same record and reports its own failure.
    await this.renewing?.catch((error: unknown) => {
      if (LeaseLostError.isInstance(error)) throw error;
    });
    this.assertHeld();
    const record: LeaseRecord = { ...this.record, ...patch, owner: null };
    await this.write(record);
    this.current = undefined;
    return { record, version: this.version };
  }

  /** Stops renewing without writing (after a loss, or when the worker stops). */
  stopRenewing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async write(record: LeaseRecord): Promise<void> {
    const started = this.now();
    try {
      const written = await this.store.set(this.key, record, { ifVersion: this.version });
      this.version = written.version;
      this.current = record;
      this.heldSince = started;
    } catch (error) {
      if (StoreConflictError.isInstance(error)) {
        throw this.lose(error, 'another worker wrote the lease record', error.actualVersion);
      }
      // A store that did not answer: the lease holds until its duration has passed.
      this.assertHeld();
      throw error;
    }
  }

  private startRenewing(): void {
    this.stopRenewing();
    this.timer = setInterval(
      () => {
        this.renew().catch((error: unknown) => {
          // A conflict or an expiry has already been turned into a loss (listeners were told);
          // any other failure is tried again at the next tick, until the lease runs out.
          if (LeaseLostError.isInstance(error)) this.stopRenewing();
        });
      },
      Math.max(100, Math.floor(this.leaseMs / 3)),
    );
    this.timer.unref();
  }

  private lose(cause: unknown, why: string, actualVersion?: number): LeaseLostError {
    if (this.lostWith) return this.lostWith;
    const error = new LeaseLostError({
      conversationId: this.options.conversationId,
      expectedVersion: this.version,
      ...(actualVersion !== undefined ? { actualVersion } : {}),
      message: redactString(
        `Worker ${this.options.owner} lost the lease of conversation ` +
          `"${this.options.conversationId}": ${why} (version ${this.version} expected` +
          `${actualVersion !== undefined ? `, found ${actualVersion}` : ''})`,
      ),
      ...(cause !== undefined ? { cause } : {}),
    });
    this.lostWith = error;
    this.stopRenewing();
    for (const listener of this.lostListeners) listener(error);
    return error;
  }
}
