import type { Observable, Subscription } from 'rxjs';
import type { ReplayLog } from './replay-log.js';
import { frameOf, lastEventId, resolveLog, type ServeSseOptions } from './serve-sse.js';

/**
 * The web-standard variant of `serveSSE`, for runtimes and frameworks that take a `Request` and
 * return a `Response` (Hono, Next.js route handlers, Deno, Bun): the same frames, ids,
 * heartbeats and `Last-Event-ID` resume.
 */
export function sseResponse<T>(
  source: ReplayLog<T> | Observable<T>,
  request: Request,
  options: ServeSseOptions<T> = {},
): Response {
  const log = resolveLog(source, options);
  const afterId = lastEventId(request.headers.get('last-event-id'), request.url);
  const encoder = new TextEncoder();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let cleanup = () => undefined as void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: ${options.retryMs ?? 1000}\n\n`));
      let closed = false;
      // Read by close(), which may run before subscribe() returns.
      const active: { subscription?: Subscription } = {};
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        active.subscription?.unsubscribe();
        try {
          controller.close();
        } catch {
          // Already closed by the reader.
        }
      };
      const heartbeat = setInterval(
        () => controller.enqueue(encoder.encode(': ping\n\n')),
        heartbeatMs,
      );
      const subscription = log.read(afterId).subscribe({
        next: (record) => controller.enqueue(encoder.encode(frameOf(record))),
        error: () => close(),
        complete: () => close(),
      });
      active.subscription = subscription;
      if (closed) subscription.unsubscribe();
      request.signal.addEventListener('abort', close, { once: true });
      cleanup = close;
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
