import { redactForStorage, type Store } from '@mistral-flows/core';
import type { Snapshot } from 'xstate';

/** What a conversation writes to its store after every settled step. */
export interface PersistedConversation {
  format: 1;
  id: string;
  /** `actor.getPersistedSnapshot()`: state, context (history included) and children. */
  snapshot: Snapshot<unknown>;
  /** The history at that step, for readers that do not restore the actor. */
  historyLength: number;
  updatedAt: string;
}

export const conversationKey = (id: string) => `conversation:${id}`;

/**
 * Writes a conversation's snapshots to a store in order, one write at a time, always the latest:
 * when several steps settle during a write, the next write carries the last of them. `flush()`
 * resolves when everything requested so far is stored. Secrets are redacted before writing.
 */
export class SnapshotWriter {
  private latest: PersistedConversation | undefined;
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly store: Store,
    private readonly key: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  save(record: PersistedConversation): void {
    this.latest = record;
    this.writing ??= this.drain();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest) {
        const record = this.latest;
        this.latest = undefined;
        try {
          await this.store.set(this.key, redactForStorage(record));
        } catch (error) {
          this.failure = error instanceof Error ? error : new Error(String(error));
          this.onError(this.failure);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}
