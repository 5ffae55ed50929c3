import { InvalidArgumentError } from '@mistral-flows/core';
import { Observable, Subject } from 'rxjs';
import type { ReplayLog, ReplayRecord } from './replay-log.js';

export interface MemoryReplayLogOptions {
  /** Records kept for readers that reconnect (default 10,000); older ones are dropped. */
  capacity?: number;
}

/** A bounded in-process replay log: the default of `serveSSE`. */
export class MemoryReplayLog<T = unknown> implements ReplayLog<T> {
  private readonly capacity: number;
  private readonly records: Array<ReplayRecord<T>> = [];
  private readonly live = new Subject<ReplayRecord<T>>();
  private nextId = 1;
  private ended = false;

  constructor(options: MemoryReplayLogOptions = {}) {
    const { capacity = 10_000 } = options;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new InvalidArgumentError(
        'capacity',
        `expected an integer >= 1, got ${String(capacity)}`,
      );
    }
    this.capacity = capacity;
  }

  append(event: string, data: T): Promise<number> {
    if (this.ended) return Promise.reject(new InvalidArgumentError('event', 'the log has ended'));
    const id = this.nextId++;
    this.push({ id, event, data });
    return Promise.resolve(id);
  }

  end(failure?: { code: string; message: string }): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = true;
    const id = this.nextId++;
    this.push(failure ? { id, event: 'error', data: failure } : { id, event: 'end' });
    this.live.complete();
    return Promise.resolve();
  }

  read(afterId: number): Observable<ReplayRecord<T>> {
    return new Observable<ReplayRecord<T>>((subscriber) => {
      const oldest = this.records[0]?.id ?? this.nextId;
      if (afterId < oldest - 1) {
        subscriber.next({
          id: afterId,
          event: 'error',
          data: {
            code: 'replay_gap',
            message: `events after ${afterId} are no longer held (oldest is ${oldest})`,
          },
        });
        subscriber.complete();
        return undefined;
      }
      // Appends are synchronous, so the snapshot and the live subscription cannot miss or repeat.
      const start = this.records.findIndex((r) => r.id > afterId);
      if (start >= 0) {
        for (let i = start; i < this.records.length; i++) {
          const record = this.records[i]!;
          subscriber.next(record);
          if (record.event === 'end' || record.event === 'error') {
            subscriber.complete();
            return undefined;
          }
        }
      }
      if (this.ended) {
        subscriber.complete();
        return undefined;
      }
      return this.live.subscribe({
        next: (record) => {
          if (record.id <= afterId) return;
          subscriber.next(record);
          if (record.event === 'end' || record.event === 'error') subscriber.complete();
        },
        complete: () => subscriber.complete(),
      });
    });
  }

  close(): Promise<void> {
    this.live.complete();
    this.records.length = 0;
    return Promise.resolve();
  }

  private push(record: ReplayRecord<T>): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.shift();
    this.live.next(record);
  }
}
