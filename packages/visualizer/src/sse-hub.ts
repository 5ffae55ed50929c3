import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReplayLog } from './replay-log.js';

export interface SseHubOptions {
  log: ReplayLog;
  /** The full state as JSON and the sequence number it is current as of. */
  fullState: () => { seq: number; json: string };
  /** Interval of keep-alive comments (default 15 s). */
  heartbeatMs?: number;
  /** Reconnection delay the page's EventSource is told to use (default 1 s). */
  retryMs?: number;
}

const MAX_BUFFERED_CHARS = 64 * 1024 * 1024;

interface Client {
  res: ServerResponse;
  pending: string[];
}

/**
 * Serves numbered records as Server-Sent Events. A new client first gets the full state
 * (`event: state`, `id:` its sequence number), then every record as it happens (`id:` its
 * sequence number). A client that reconnects with `Last-Event-ID` (or `?lastEventId=`) gets
 * exactly the records after that id from the replay log, or a fresh full state when the log no
 * longer holds them all. Writes are coalesced per client and flushed once per turn of the loop.
 */
export class SseHub {
  readonly #options: SseHubOptions;
  readonly #clients = new Set<Client>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #waiters = new Set<() => void>();
  #flushScheduled = false;

  constructor(options: SseHubOptions) {
    this.#options = options;
    this.#heartbeat = setInterval(() => {
      for (const client of this.#clients) client.res.write(': ping\n\n');
    }, options.heartbeatMs ?? 15_000);
    this.#heartbeat.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Resolves once a client is connected (at once if one is); rejects with the signal's reason
   * when `signal` aborts first. Resolves when the hub closes.
   */
  waitForClient(signal?: AbortSignal): Promise<void> {
    if (this.#clients.size > 0) return Promise.resolve();
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(done);
        reject(signal!.reason as Error);
      };
      const done = (): void => {
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Sends a record to every connected client (the caller has appended it to the log). */
  publish(seq: number, json: string): void {
    if (this.#clients.size === 0) return;
    const frame = `id: ${seq}\ndata: ${json}\n\n`;
    for (const client of this.#clients) client.pending.push(frame);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Answers a `GET` for the event stream. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${this.#options.retryMs ?? 1_000}\n\n`);
    const lastId = lastEventId(req);
    const missed = lastId === undefined ? undefined : this.#options.log.after(lastId);
    if (missed === undefined) {
      const state = this.#options.fullState();
      res.write(`id: ${state.seq}\nevent: state\ndata: ${state.json}\n\n`);
    } else {
      const first = lastId! + 1;
      res.write(missed.map((json, i) => `id: ${first + i}\ndata: ${json}\n\n`).join(''));
    }
    const client: Client = { res, pending: [] };
    this.#clients.add(client);
    const drop = (): void => {
      this.#clients.delete(client);
    };
    req.once('close', drop);
    res.once('close', drop);
    for (const waiter of [...this.#waiters]) waiter();
  }

  /** Ends every stream. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
    for (const waiter of [...this.#waiters]) waiter();
  }

  #flush(): void {
    this.#flushScheduled = false;
    for (const client of this.#clients) {
      if (client.pending.length === 0) continue;
      client.res.write(client.pending.join(''));
      client.pending = [];
      // A client that stopped reading is dropped; it reconnects with Last-Event-ID and catches up.
      if (client.res.writableLength > MAX_BUFFERED_CHARS) {
        this.#clients.delete(client);
        client.res.destroy();
      }
    }
  }
}

function lastEventId(req: IncomingMessage): number | undefined {
  const header = req.headers['last-event-id'];
  const fromQuery = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lastEventId');
  const raw = (Array.isArray(header) ? header[0] : header) ?? fromQuery ?? undefined;
  if (raw === undefined || raw.trim() === '') return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}
