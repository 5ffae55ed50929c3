import type { ConnectionWatch } from './connection-watch.js';

/** What BullMQ's Queue, Worker and QueueEvents have in common for shutting down. */
interface Closable {
  waitUntilReady(): Promise<unknown>;
  /** The main connection's client (a Worker's jobs use it; its blocking one only waits for jobs). */
  readonly client: Promise<unknown>;
  close(): Promise<void>;
}

/** An ioredis client as BullMQ hands it out. */
interface RedisClientLike {
  status?: string;
  disconnect?(): void;
}

/**
 * Closes BullMQ objects, in parallel, and always returns: every wait on Redis is bounded by the
 * watch's `timeoutMs`. An object whose connection never came up is closed at once (BullMQ then
 * disconnects instead of quitting). A connected one closes gracefully (a Worker lets its jobs in
 * flight finish) for as long as Redis answers; once its connection has been down for
 * `timeoutMs`, it is disconnected, which fails the commands still waiting for the server.
 */
export async function closeWhenReady(
  watch: ConnectionWatch,
  ...objects: Array<Closable | undefined>
): Promise<void> {
  const { timeoutMs } = watch;
  await Promise.all(
    objects.map(async (object) => {
      if (!object) return;
      const ready = await settlesWithin(object.waitUntilReady(), timeoutMs);
      if (!ready.settled) {
        await settlesWithin(closeUnconnected(object), timeoutMs);
        return;
      }
      const client = (await settlesWithin(object.client, timeoutMs)).value as
        RedisClientLike | undefined;
      const closing = object.close();
      const down = downFor(client, timeoutMs);
      try {
        const outcome = await Promise.race([
          closing.then(
            () => 'closed' as const,
            () => 'closed' as const,
          ),
          down.promise,
        ]);
        if (outcome === 'closed') return;
      } finally {
        down.cancel();
      }
      client?.disconnect?.();
      await settlesWithin(closing, timeoutMs);
    }),
  );
}

/**
 * Closes BullMQ objects whose connection is known not to be up (their Redis did not answer within
 * the watch's `timeoutMs`), at once and in parallel, bounded by `timeoutMs`.
 */
export async function closeUnconnectedWithin(
  watch: ConnectionWatch,
  ...objects: Array<Closable | undefined>
): Promise<void> {
  const present = objects.filter((object): object is Closable => object !== undefined);
  await Promise.all(
    present.map((object) => settlesWithin(closeUnconnected(object), watch.timeoutMs)),
  );
}

/** One of BullMQ's internal connections (`RedisConnection`), as far as closing goes. */
interface InternalConnection {
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Closes an object whose connection never came up. BullMQ (5.x) disconnects such a connection and
 * removes its listeners in the same tick, then reports the failed attempt to connect as an `error`
 * of the connection, which, with no listener left, throws inside a promise: an unhandled
 * rejection. Each internal connection (a Worker has two) is therefore closed here first and given
 * a listener that takes that last report; the object's own `close()` then finds them closed.
 */
async function closeUnconnected(object: Closable): Promise<void> {
  const { connection, blockingConnection } = object as unknown as {
    connection?: Partial<InternalConnection>;
    blockingConnection?: Partial<InternalConnection>;
  };
  const closings: Array<Promise<void>> = [];
  for (const internal of [blockingConnection, connection]) {
    if (typeof internal?.close !== 'function' || typeof internal.on !== 'function') continue;
    closings.push(internal.close());
    // The failure to connect of an object being closed: nothing is waiting for it any more.
    internal.on('error', () => undefined);
  }
  closings.push(object.close());
  await Promise.allSettled(closings);
}

/** Whether `promise` settled within `ms`, and with what value when it resolved. */
export async function settlesWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ settled: boolean; value?: T }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ settled: false }>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ settled: true, value }),
        // The caller only needs to know that it ended; a failed close has nothing left to close.
        () => ({ settled: true }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves `'down'` once `client` has not been ready for `ms` in a row. */
function downFor(
  client: RedisClientLike | undefined,
  ms: number,
): { promise: Promise<'down'>; cancel(): void } {
  let interval: NodeJS.Timeout | undefined;
  const promise = new Promise<'down'>((resolve) => {
    if (!client || client.status === undefined) return;
    let since: number | undefined;
    interval = setInterval(
      () => {
        const now = Date.now();
        if (client.status === 'ready') since = undefined;
        else since ??= now;
        if (since !== undefined && now - since >= ms) resolve('down');
      },
      Math.min(100, Math.max(10, ms / 10)),
    );
  });
  return { promise, cancel: () => clearInterval(interval) };
}
