import { StoreConflictError, type Store } from '@mistral-flows/core';
import { leaseKey, type LeaseRecord } from './conversation-lease.js';

export interface LeaseWatchOptions {
  store: Store;
  /** This worker's id: its own leases are not watched. */
  owner: string;
  leaseMs: number;
  /** The conversations with an action in progress on some worker (BullMQ's active jobs). */
  activeConversations: () => Promise<string[]>;
  /** Told of a failed look (the first of a series: a store down is reported once). */
  onError: (error: unknown) => void;
  /** A monotonic clock in milliseconds (default `performance.now`), for tests. */
  now?: () => number;
}

/**
 * Watches the leases of the conversations that have an action in progress, so that a lease
 * whose holder died is found as soon as it expires rather than a whole lease duration after the
 * dead holder's job came back to the queue.
 *
 * Every `leaseMs / 8` it reads the lease record of each such conversation held by another
 * worker, and notes since when (on this worker's monotonic clock, after the read returned) it has
 * seen the record at its current version. A record seen unchanged for `leaseMs` is freed: written
 * with `owner: null` (and `expired` naming the old owner) by compare-and-set on that version, the
 * same rule `ConversationLease.acquire` follows, so a holder that renewed in between keeps it and
 * no clock of another machine is trusted. The worker that then gets the action's job takes the
 * lease at once; an action waiting for the lease on this worker counts its wait from when the
 * watch first saw the version (`seenSince`).
 */
export class LeaseWatch {
  private readonly seen = new Map<string, { version: number; since: number }>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly options: LeaseWatchOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Since when this watch has seen `conversationId`'s lease record at `version`, if it has. */
  seenSince(conversationId: string, version: number): number | undefined {
    const seen = this.seen.get(conversationId);
    return seen?.version === version ? seen.since : undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => {
        this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
      },
      Math.max(50, Math.floor(this.options.leaseMs / 8)),
    );
    this.timer.unref();
  }

  /** Stops watching; resolves once a look in progress has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One look at the leases of the conversations in progress; frees the expired ones. */
  async tick(): Promise<void> {
    try {
      const ids = new Set(await this.options.activeConversations());
      for (const id of this.seen.keys()) if (!ids.has(id)) this.seen.delete(id);
      await Promise.all([...ids].map((id) => this.look(id)));
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.options.onError(error);
      this.failing = true;
    }
  }

  private async look(conversationId: string): Promise<void> {
    const key = leaseKey(conversationId);
    const entry = await this.options.store.get<LeaseRecord>(key);
    const now = this.now();
    const owner = entry?.value.owner;
    if (!entry || owner === null || owner === undefined || owner === this.options.owner) {
      this.seen.delete(conversationId);
      return;
    }
    const seen = this.seen.get(conversationId);
    if (seen?.version !== entry.version) {
      this.seen.set(conversationId, { version: entry.version, since: now });
      return;
    }
    if (now - seen.since < this.options.leaseMs) return;
    try {
      await this.options.store.set<LeaseRecord>(
        key,
        { ...entry.value, owner: null, expired: { owner } },
        { ifVersion: entry.version },
      );
    } catch (error) {
      // Renewed or taken in between: the holder (old or new) keeps it.
      if (!StoreConflictError.isInstance(error)) throw error;
    }
    this.seen.delete(conversationId);
  }
}
