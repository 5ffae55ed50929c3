import type { JsonText, Store } from '@mistral-flows/core';

/**
 * Writes a conversation's records to a store in order, one write at a time, always the latest:
 * when several steps settle during a write, the next write carries the last of them. `flush()`
 * resolves when everything requested so far is stored.
 */
export class SnapshotWriter {
  private latest: JsonText | undefined;
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly store: Store,
    private readonly key: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  save(record: JsonText): void {
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
          await this.store.set(this.key, record);
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
