import { InvalidArgumentError, redactString } from '@mistral-flows/core';
import type { ConnectionOptions } from 'bullmq';
import { RedisUnavailableError } from '../errors/redis-unavailable-error.js';
import { redisAddress } from './redis-address.js';

/** How long a call waits for Redis before failing with `RedisUnavailableError` (10 s). */
export const DEFAULT_REDIS_TIMEOUT_MS = 10_000;

/** What a BullMQ Queue, Worker or QueueEvents offers that the watch needs. */
export interface WatchedConnection {
  waitUntilReady(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** An ioredis client as BullMQ hands it out: its status and its `ready` event. */
interface ClientStatus {
  status?: string;
  isCluster?: boolean;
  once?(event: 'ready', listener: () => void): unknown;
  removeListener?(event: 'ready', listener: () => void): unknown;
}

/**
 * Bounds the time a call waits for Redis. BullMQ reconnects for ever and queues commands while
 * the server is away, so without a bound a call on a server that refuses connections (or went
 * away) waits for ever and the refusal only shows on `error` events. The watch records the last
 * connection error of the objects it listens to, to name it in the `RedisUnavailableError` it
 * throws once `timeoutMs` has passed.
 */
export class ConnectionWatch {
  readonly address: string;
  private lastError: Error | undefined;

  constructor(
    connection: ConnectionOptions,
    readonly timeoutMs: number = DEFAULT_REDIS_TIMEOUT_MS,
  ) {
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      throw new InvalidArgumentError(
        'redisTimeoutMs',
        `expected a positive number of milliseconds, got ${String(timeoutMs)}`,
      );
    }
    this.address = redisAddress(connection);
  }

  /**
   * Records `object`'s connection errors. It also stands as the object's `error` listener, without
   * which Node would throw them: BullMQ reports every failed reconnection there, and the calls
   * that need Redis report its absence as `RedisUnavailableError`.
   */
  listen<T extends WatchedConnection>(object: T): T {
    object.on('error', (error) => {
      this.lastError = error;
    });
    return object;
  }

  /** `work`, or `RedisUnavailableError` when it has not settled within `timeoutMs`. */
  async within<T>(work: Promise<T>, doing: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.unavailable(doing)), this.timeoutMs);
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves once `object`'s connection is up, so that a command sent next goes out at once
   * instead of waiting in the client's offline queue (from where it would run whenever the server
   * came back, long after the caller was told it failed); rejects with `RedisUnavailableError`
   * after `timeoutMs`.
   */
  async connected(object: WatchedConnection, doing: string): Promise<void> {
    const started = Date.now();
    const client = (await this.within(object.waitUntilReady(), doing)) as ClientStatus | undefined;
    if (!client?.once || client.status === 'ready' || client.isCluster) return;
    let onReady: (() => void) | undefined;
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
      client.once!('ready', resolve);
    });
    const left = Math.max(1, this.timeoutMs - (Date.now() - started));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.unavailable(doing)), left);
    });
    try {
      await Promise.race([ready, deadline]);
    } finally {
      clearTimeout(timer);
      client.removeListener?.('ready', onReady!);
    }
  }

  /** The error for a call that gave up on Redis while `doing` something. */
  unavailable(doing: string): RedisUnavailableError {
    const last = this.lastError ? ` (last error: ${redactString(this.lastError.message)})` : '';
    return new RedisUnavailableError({
      address: this.address,
      timeoutMs: this.timeoutMs,
      message: `Redis at ${this.address} did not answer within ${this.timeoutMs} ms while ${doing}${last}`,
    });
  }
}
