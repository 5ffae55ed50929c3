import type { Observable } from 'rxjs';

/** One recorded event, numbered from 1 in the order it was appended. */
export interface ReplayEntry<T = unknown> {
  id: number;
  event: string;
  data: T;
}

/** The source finished: readers stop, and browsers stop reconnecting. */
export interface ReplayEnd {
  id: number;
  event: 'end';
}

/** The source failed, or a reader asked for events the log no longer holds (`replay_gap`). */
export interface ReplayFailure {
  id: number;
  event: 'error';
  data: { code: string; message: string };
}

export type ReplayRecord<T = unknown> = ReplayEntry<T> | ReplayEnd | ReplayFailure;

/**
 * Where an SSE relay keeps the events it serves, so that a reader reconnecting with
 * `Last-Event-ID` gets exactly the events after that id. `MemoryReplayLog` (bounded, one process)
 * is the default; `RedisReplayLog` (Redis Streams) lets a reader resume from another process and
 * after the producing process has died.
 */
export interface ReplayLog<T = unknown> {
  /** Records an event and returns its id. */
  append(event: string, data: T): Promise<number>;
  /** Records the end of the source, or its failure. Nothing can be appended afterwards. */
  end(failure?: { code: string; message: string }): Promise<void>;
  /**
   * The records with an id greater than `afterId`, then the live ones as they are appended,
   * completing after the end record. A reader behind what the log still holds gets a
   * `replay_gap` failure rather than a silent gap.
   */
  read(afterId: number): Observable<ReplayRecord<T>>;
  /** Releases connections or memory. */
  close(): Promise<void>;
}
