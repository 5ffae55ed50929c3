import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@mistral-flows/testing';
import { firstValueFrom, interval, map, mergeMap, Observable, range, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fromSSE,
  MemoryReplayLog,
  recordTo,
  serveSSE,
  SseParser,
  sseResponse,
  StreamError,
} from '../src/index.js';

interface Numbered {
  type: 'tick';
  n: number;
}

/** 2,000 events produced over time, ten per millisecond tick. */
function ticks(count = 2_000): Observable<Numbered> {
  return interval(1).pipe(
    take(count / 10),
    mergeMap((i) => range(i * 10, 10)),
    map((n) => ({ type: 'tick' as const, n })),
  );
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function startRelay(handler: (res: ServerResponse, req: IncomingMessage) => void) {
  const responses = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    responses.add(res);
    res.on('close', () => responses.delete(res));
    handler(res, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, responses };
}

describe('serveSSE and fromSSE', () => {
  it('delivers all 2,000 events exactly once and in order across three server-side cuts', async () => {
    const events$ = ticks();
    let connections = 0;
    const lastEventIds: Array<string | undefined> = [];
    const relay = await startRelay((res, req) => {
      connections++;
      lastEventIds.push(req.headers['last-event-id'] as string | undefined);
      serveSSE(events$, req, res, { heartbeatMs: 50 });
    });
    const received: Array<{ id: string | undefined; n: number }> = [];
    const cutAt = new Set([300, 900, 1500]);
    await new Promise<void>((resolve, reject) => {
      fromSSE<Numbered>(relay.url, { backoff: { initialDelayMs: 10, maxDelayMs: 50 } }).subscribe({
        next: (message) => {
          received.push({ id: message.id, n: message.data.n });
          if (cutAt.has(received.length)) {
            for (const res of relay.responses) res.socket?.destroy();
          }
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(received.map((r) => r.n)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(received.map((r) => Number(r.id))).toEqual(
      Array.from({ length: 2_000 }, (_, i) => i + 1),
    );
    expect(connections).toBe(4);
    expect(lastEventIds).toEqual([undefined, '300', '900', '1500']);
  });

  it('serves a recorded log to a late reader from Last-Event-ID, then the end', async () => {
    const log = new MemoryReplayLog<Numbered>();
    recordTo(log, ticks(100));
    const relay = await startRelay((res, req) => serveSSE(log, req, res));
    const received: number[] = [];
    await new Promise<void>((resolve, reject) =>
      fromSSE<Numbered>(relay.url, { lastEventId: '90' }).subscribe({
        next: (m) => received.push(m.data.n),
        error: reject,
        complete: resolve,
      }),
    );
    expect(received).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  });

  it('stops without an error when the signal aborts, and closes the connection', async () => {
    const log = new MemoryReplayLog<Numbered>();
    const relay = await startRelay((res, req) => serveSSE(log, req, res));
    const controller = new AbortController();
    const seen: number[] = [];
    const outcome = new Promise<string>((resolve) =>
      fromSSE<Numbered>(relay.url, { signal: controller.signal }).subscribe({
        next: (m) => {
          seen.push(m.data.n);
          controller.abort();
        },
        error: () => resolve('error'),
        complete: () => resolve('complete'),
      }),
    );
    await log.append('tick', { type: 'tick', n: 1 });
    expect(await outcome).toBe('complete');
    expect(seen).toEqual([1]);
    const deadline = Date.now() + 5_000;
    while (relay.responses.size > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(relay.responses.size).toBe(0);
  });

  it('fails with a StreamError naming a malformed frame', async () => {
    const relay = await startRelay((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1\nevent: tick\ndata: {"type":"tick","n":0}\n\n');
      res.write('id: 2\nevent: tick\ndata: {not json\n\n');
    });
    const error = await new Promise<unknown>((resolve) =>
      fromSSE(relay.url).subscribe({ error: resolve, complete: () => resolve(undefined) }),
    );
    expect(StreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'response_invalid' });
    expect((error as StreamError).frame).toContain('data: {not json');
    expect((error as Error).message).toContain('{not json');
  });

  it('passes events of any name through, and reports a relay error event', async () => {
    const relay = await startRelay((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: 1\nevent: something-new\ndata: {"x":1}\n\n');
      res.write('id: 2\nevent: error\ndata: {"code":"server","message":"producer died"}\n\n');
    });
    const seen: string[] = [];
    const error = await new Promise<unknown>((resolve) =>
      fromSSE(relay.url).subscribe({ next: (m) => seen.push(m.event), error: resolve }),
    );
    expect(seen).toEqual(['something-new']);
    expect((error as Error).message).toContain('producer died');
  });

  it('gives up with a typed error on a 404, without retrying', async () => {
    let hits = 0;
    const relay = await startRelay((res) => {
      hits++;
      res.writeHead(404).end();
    });
    const error = await new Promise<unknown>((resolve) =>
      fromSSE(relay.url).subscribe({ error: resolve }),
    );
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
    expect(hits).toBe(1);
  });
});

describe('sseResponse', () => {
  it('serves the same frames as a web-standard Response, resuming after Last-Event-ID', async () => {
    const log = new MemoryReplayLog<Numbered>();
    for (let n = 0; n < 5; n++) await log.append('tick', { type: 'tick', n });
    await log.end();
    const response = sseResponse(
      log,
      new Request('http://relay.test/events', { headers: { 'last-event-id': '2' } }),
    );
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const messages = new SseParser().feed(text);
    expect(messages.map((m) => [m.id, m.event, m.data])).toEqual([
      ['3', 'tick', '{"type":"tick","n":2}'],
      ['4', 'tick', '{"type":"tick","n":3}'],
      ['5', 'tick', '{"type":"tick","n":4}'],
      ['6', 'end', '{}'],
    ]);
  });
});

describe('fromSSE resuming past what the relay holds', () => {
  it('fails with code replay_gap, not as a server failure', async () => {
    const log = new MemoryReplayLog<Numbered>({ capacity: 3 });
    for (let n = 1; n <= 6; n++) await log.append('tick', { type: 'tick', n });
    const relay = await startRelay((res, req) => serveSSE(log, req, res));
    const seen: unknown[] = [];
    const error = await new Promise<unknown>((resolve) =>
      fromSSE(relay.url, { lastEventId: '1' }).subscribe({
        next: (m) => seen.push(m),
        error: resolve,
        complete: () => resolve(undefined),
      }),
    );
    expect(seen).toEqual([]);
    expect(StreamError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'replay_gap', retryable: false });
    expect((error as Error).message).toMatch(/no longer held/);
  });
});

describe('recordTo', () => {
  /** A log whose `failAt`-th append fails, as a remote log that lost its connection would. */
  class FailingLog<T> extends MemoryReplayLog<T> {
    appends = 0;
    constructor(private readonly failAt: number) {
      super();
    }
    override append(event: string, data: T): Promise<number> {
      if (++this.appends === this.failAt) return Promise.reject(new Error('connection lost'));
      return super.append(event, data);
    }
  }

  it('stops at a lost event and ends the log with record_failed instead of leaving a gap', async () => {
    const log = new FailingLog<Numbered>(3);
    let unsubscribed = false;
    const source = new Observable<Numbered>((subscriber) => {
      for (let n = 1; n <= 5; n++) subscriber.next({ type: 'tick', n });
      return () => (unsubscribed = true);
    });
    const errors: unknown[] = [];
    recordTo(log, source, { onError: (error) => errors.push(error) });
    const records = await firstValueFrom(log.read(0).pipe(toArray()));
    expect(records.map((r) => ('data' in r && r.event === 'tick' ? r.data.n : r.event))).toEqual([
      1,
      2,
      'error',
    ]);
    expect(records.at(-1)).toMatchObject({ data: { code: 'record_failed' } });
    expect((records.at(-1) as { data: { message: string } }).data.message).toContain(
      'connection lost',
    );
    await waitFor(() => errors.length === 1, { what: 'onError' });
    expect((errors[0] as Error).message).toBe('connection lost');
    expect(unsubscribed).toBe(true);
    // The two events queued behind the lost one were never appended.
    expect(log.appends).toBe(3);
  });

  it('reaches a reader of the relay as an error, not as a silent gap', async () => {
    const log = new FailingLog<Numbered>(2);
    recordTo(log, ticks(20));
    const relay = await startRelay((res, req) => serveSSE(log, req, res));
    const seen: number[] = [];
    const error = await new Promise<unknown>((resolve) =>
      fromSSE<Numbered>(relay.url).subscribe({
        next: (m) => seen.push(m.data.n),
        error: resolve,
        complete: () => resolve(undefined),
      }),
    );
    expect(seen).toEqual([0]);
    expect(StreamError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/could not be recorded/);
  });
});
