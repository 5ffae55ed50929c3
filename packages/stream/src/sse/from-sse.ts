import { backoffDelay, sleep, type BackoffOptions } from '@mistral-flows/core';
import { Observable } from 'rxjs';
import { StreamError } from '../stream-error.js';
import { SseParser, type SseMessage } from './sse-frame.js';

export interface FromSseOptions {
  /** Resume after this id (sent as `Last-Event-ID` on the first request). */
  lastEventId?: string;
  /** Stops reading: the request is aborted and the Observable completes. */
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Reconnection backoff (default 250 ms doubling to 5 s, with full jitter). */
  backoff?: BackoffOptions;
  /** Consecutive failed connections before giving up (default 10). */
  maxReconnects?: number;
  /** `fetch` to use (default the global one). */
  fetch?: typeof fetch;
}

/**
 * Reads a server-sent event stream, such as one served by `serveSSE`, as an Observable of
 * `{ id, event, data }` with `data` parsed from JSON. When the connection breaks it reconnects
 * by itself with backoff and `Last-Event-ID`, so the consumer sees every event exactly once and
 * in order. An `end` event completes it; an `error` event, a frame whose data is not JSON, or
 * running out of reconnects errors it with a `StreamError` (a malformed frame is named). A relay
 * that no longer holds the events after `Last-Event-ID` errors it with code `replay_gap`: the
 * reader cannot continue without missing events and must start over from a fresh state.
 *
 * `url` may be a function, called for each connection (to move to another relay).
 */
export function fromSSE<T = unknown>(
  url: string | URL | (() => string | URL),
  options: FromSseOptions = {},
): Observable<SseMessage<T>> {
  const fetchFn = options.fetch ?? fetch;
  const maxReconnects = options.maxReconnects ?? 10;
  const backoff: BackoffOptions = { initialDelayMs: 250, maxDelayMs: 5_000, ...options.backoff };

  return new Observable<SseMessage<T>>((subscriber) => {
    const controller = new AbortController();
    const userSignal = options.signal;
    let done = false;
    const stop = () => {
      if (done) return;
      done = true;
      controller.abort();
      subscriber.complete();
    };
    if (userSignal?.aborted) {
      subscriber.complete();
      return undefined;
    }
    userSignal?.addEventListener('abort', stop, { once: true });
    let lastId = options.lastEventId;
    let received = 0;

    const fail = (error: StreamError) => {
      if (done) return;
      done = true;
      controller.abort();
      subscriber.error(error);
    };

    const connect = async () => {
      let failures = 0;
      while (!done) {
        let progressed = false;
        let lastError: unknown;
        try {
          const target = typeof url === 'function' ? url() : url;
          const headers: Record<string, string> = {
            accept: 'text/event-stream',
            ...options.headers,
          };
          if (lastId !== undefined) headers['last-event-id'] = lastId;
          const response = await fetchFn(target, { headers, signal: controller.signal });
          if (!response.ok || !response.body) {
            const status = response.status;
            await response.body?.cancel();
            if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
              fail(
                new StreamError(`The SSE endpoint answered HTTP ${status}`, {
                  classification: {
                    code: status === 404 ? 'not_found' : 'invalid_request',
                    status,
                    retryable: false,
                    message: `HTTP ${status}`,
                  },
                  partialText: '',
                  attempt: failures + 1,
                  phase: received > 0 ? 'after-first-delta' : 'before-first-delta',
                }),
              );
              return;
            }
            throw new Error(`HTTP ${status}`);
          }
          const parser = new SseParser();
          const decoder = new TextDecoder();
          const reader = response.body.getReader();
          for (;;) {
            const { done: eof, value } = await reader.read();
            if (eof) break;
            for (const message of parser.feed(decoder.decode(value, { stream: true }))) {
              if (done) return;
              if (message.event === 'end') {
                stop();
                return;
              }
              let data: unknown;
              try {
                data = JSON.parse(message.data);
              } catch {
                fail(
                  new StreamError(
                    `Malformed SSE frame (data is not JSON): ${truncate(message.raw, 200)}`,
                    {
                      classification: {
                        code: 'response_invalid',
                        retryable: false,
                        message: 'malformed SSE frame',
                      },
                      partialText: '',
                      attempt: failures + 1,
                      phase: received > 0 ? 'after-first-delta' : 'before-first-delta',
                      frame: message.raw,
                    },
                  ),
                );
                return;
              }
              if (message.event === 'error') {
                const info = (data ?? {}) as { code?: string; message?: string };
                const gap = info.code === 'replay_gap';
                fail(
                  new StreamError(`The relay reported an error: ${info.message ?? 'unknown'}`, {
                    classification: {
                      code: 'server',
                      retryable: false,
                      message: info.message ?? 'relay error',
                    },
                    ...(gap ? { code: 'replay_gap' as const } : {}),
                    partialText: '',
                    attempt: failures + 1,
                    phase: received > 0 ? 'after-first-delta' : 'before-first-delta',
                  }),
                );
                return;
              }
              if (message.id !== undefined) lastId = message.id;
              progressed = true;
              received++;
              const out: SseMessage<T> = { id: message.id, event: message.event, data: data as T };
              if (message.retry !== undefined) out.retry = message.retry;
              subscriber.next(out);
            }
          }
          lastError = new Error('the connection closed before the end event');
        } catch (error) {
          if (done || controller.signal.aborted) return;
          lastError = error;
        }
        if (done) return;
        failures = progressed ? 1 : failures + 1;
        if (failures > maxReconnects) {
          fail(
            new StreamError(`Gave up after ${maxReconnects} reconnects: ${describe(lastError)}`, {
              classification: { code: 'network', retryable: true, message: describe(lastError) },
              partialText: '',
              attempt: failures,
              phase: received > 0 ? 'after-first-delta' : 'before-first-delta',
              cause: lastError,
            }),
          );
          return;
        }
        await sleep(progressed ? 0 : backoffDelay(failures, backoff), controller.signal).catch(
          () => undefined,
        );
      }
    };
    connect().catch((error: unknown) => {
      if (!done) subscriber.error(error);
    });

    return () => {
      done = true;
      userSignal?.removeEventListener('abort', stop);
      controller.abort();
    };
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
