import type { Mistral } from '@mistralai/mistralai';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/** The SDK's own per-request timeout when neither the call nor the client sets one. */
export const SDK_DEFAULT_TIMEOUT_MS = 300_000;

/**
 * The per-request timeout `client` was built with (`createClient({ timeoutMs })`), else the SDK's
 * default of 300 s.
 */
export function clientTimeoutMs(client: Mistral): number {
  const configured = (client as unknown as { _options?: { timeoutMs?: unknown } })._options
    ?.timeoutMs;
  return typeof configured === 'number' && configured > 0 ? configured : SDK_DEFAULT_TIMEOUT_MS;
}

/**
 * The signal to give an SDK request: the caller's `signal` (when there is one) combined with a
 * timeout of `timeoutMs`. The SDK applies its `timeoutMs` only to requests made without a signal,
 * so a request that carries one (every BullMQ processor's, every stream's) would otherwise wait
 * for ever on a server that never answers. When the timeout fires, the request fails with the
 * SDK's `RequestTimeoutError` (classified `timeout`, retryable); when the caller aborts, with the
 * caller's reason.
 *
 * The timeout is a timer held by the event loop until it fires, not `AbortSignal.timeout`, which
 * Node.js 20 keeps only weakly inside `AbortSignal.any`: a garbage collection during the request
 * could drop it and leave the request waiting for ever. The timer lives for the whole timeout;
 * `withRequestSignal` releases it as soon as the request settles.
 *
 * @example
 * await client.chat.complete(request, { signal: requestSignal(signal, clientTimeoutMs(client)) });
 */
export function requestSignal(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  assertTimeout(timeoutMs);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeoutReason()), timeoutMs);
  // As `AbortSignal.timeout`'s: the timer alone does not keep the process alive.
  timer.unref?.();
  // `AbortSignal.any` follows its sources without adding listeners to the caller's signal, which
  // many requests may share; the timer above holds the controller, so it cannot be collected.
  return signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
}

/**
 * Runs `request` with the signal `requestSignal` would give it (the caller's signal combined with
 * a timeout of `timeoutMs`), and releases the timer and the listener on the caller's signal as
 * soon as the request settles. `requestSignal`'s timer lives for the whole timeout (300 s by
 * default) after the call: at thousands of calls per second that is thousands of live timers and
 * composite signals, which this avoids. A timeout aborts with a `TimeoutError` as
 * `AbortSignal.timeout` does, so the SDK reports it as a timeout.
 *
 * @example
 * const response = await withRequestSignal(signal, clientTimeoutMs(client), (signal) =>
 *   client.chat.complete(request, { signal }),
 * );
 */
export async function withRequestSignal<T>(
  signal: AbortSignal | undefined,
  timeoutMs: number,
  request: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  assertTimeout(timeoutMs);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timeoutReason()), timeoutMs);
  timer.unref?.();
  const onAbort = () => controller.abort(signal!.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await request(controller.signal);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function assertTimeout(timeoutMs: number): void {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new InvalidArgumentError('timeoutMs', `expected a positive number, got ${timeoutMs}`);
  }
}

/** What a request past its deadline aborts with, as `AbortSignal.timeout`'s signal does. */
function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}
