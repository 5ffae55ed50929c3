/**
 * Resolves after `ms` milliseconds; rejects with the signal's reason as soon as it aborts. The
 * timer is cleared on abort, so an aborted sleep keeps nothing alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The error to reject with when `signal` aborts: its reason when that is an Error (a
 * `DOMException` named `AbortError` or `TimeoutError` by default), else an `AbortError` whose
 * `cause` is the reason.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new DOMException('This operation was aborted', 'AbortError');
  if (reason !== undefined) Object.defineProperty(error, 'cause', { value: reason });
  return error;
}
