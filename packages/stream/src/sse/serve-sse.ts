import type { IncomingMessage, ServerResponse } from 'node:http';
import { isObservable, type Observable, type Subscription } from 'rxjs';
import { MemoryReplayLog } from './memory-replay-log.js';
import { recordTo, type RecordOptions } from './record.js';
import type { ReplayLog, ReplayRecord } from './replay-log.js';
import { formatSseFrame } from './sse-frame.js';

export interface ServeSseOptions<T> extends RecordOptions<T> {
  /** Comment sent when nothing else was written for this long, to keep proxies open (default 15 s). */
  heartbeatMs?: number;
  /** Reconnection delay suggested to browsers with `retry:` (default 1 s). */
  retryMs?: number;
  /** Log used when `source` is an Observable seen for the first time (default: in memory, 10,000 records). */
  log?: ReplayLog<T>;
}

/** The log each Observable is recorded into, so that every request for it shares one recording. */
const recordings = new WeakMap<object, { log: ReplayLog<unknown>; subscription: Subscription }>();

/**
 * Serves events to a browser as `text/event-stream` on a Node `http` response. Frames carry
 * `id:` (a sequence number), `event:` and `data:` (JSON); comments keep the connection alive.
 * A browser that reconnects with `Last-Event-ID` gets exactly the events after that id.
 *
 * `source` is a `ReplayLog` (share one between processes with `RedisReplayLog`) or an
 * Observable: the first request subscribes to it once and records it in a log, and every later
 * request, reconnects included, reads that log.
 *
 * @example
 * http.createServer((req, res) => serveSSE(events$, req, res)).listen(3000);
 */
export function serveSSE<T>(
  source: ReplayLog<T> | Observable<T>,
  req: IncomingMessage,
  res: ServerResponse,
  options: ServeSseOptions<T> = {},
): void {
  const log = resolveLog(source, options);
  const afterId = lastEventId(req.headers['last-event-id'], req.url);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${options.retryMs ?? 1000}\n\n`);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let lastWrite = Date.now();
  const heartbeat = setInterval(
    () => {
      if (Date.now() - lastWrite >= heartbeatMs) {
        res.write(': ping\n\n');
        lastWrite = Date.now();
      }
    },
    Math.max(10, Math.floor(heartbeatMs / 2)),
  );
  heartbeat.unref();
  const subscription = log.read(afterId).subscribe({
    next: (record) => {
      res.write(frameOf(record));
      lastWrite = Date.now();
    },
    error: (error: unknown) => {
      res.write(
        formatSseFrame({
          event: 'error',
          data: JSON.stringify({ code: 'relay_failed', message: String(error) }),
        }),
      );
      finish();
    },
    complete: () => finish(),
  });
  function finish() {
    clearInterval(heartbeat);
    if (!res.writableEnded) res.end();
  }
  res.on('close', () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  });
}

export function resolveLog<T>(
  source: ReplayLog<T> | Observable<T>,
  options: ServeSseOptions<T>,
): ReplayLog<T> {
  if (!isObservable(source)) return source;
  let recording = recordings.get(source);
  if (!recording) {
    const log = (options.log ?? new MemoryReplayLog<T>()) as ReplayLog<unknown>;
    const subscription = recordTo(log as ReplayLog<T>, source, options);
    recording = { log, subscription };
    recordings.set(source, recording);
  }
  return recording.log as ReplayLog<T>;
}

/** The id to resume after: the `Last-Event-ID` header, or a `lastEventId` query parameter. */
export function lastEventId(
  header: string | string[] | null | undefined,
  url?: string | null,
): number {
  let value = Array.isArray(header) ? header[0] : header;
  if ((value === undefined || value === null) && url) {
    value = new URL(url, 'http://relay.invalid').searchParams.get('lastEventId');
  }
  if (value === undefined || value === null) return 0;
  const id = Number(value);
  return Number.isInteger(id) && id >= 0 ? id : 0;
}

export function frameOf(record: ReplayRecord<unknown>): string {
  if (!('data' in record)) return formatSseFrame({ id: record.id, event: 'end', data: '{}' });
  return formatSseFrame({ id: record.id, event: record.event, data: JSON.stringify(record.data) });
}
