import { abortReason, sleep } from '@mistral-flows/core';

/**
 * Polls `check` every `intervalMs` until it returns true; rejects after `timeoutMs` with an error
 * naming `what`, or when `signal` aborts.
 */
export async function waitUntil(
  check: () => boolean,
  options: { what: string; timeoutMs: number; signal?: AbortSignal; intervalMs?: number },
): Promise<void> {
  const { what, timeoutMs, signal, intervalMs = 25 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (signal?.aborted) throw abortReason(signal);
    if (Date.now() >= deadline)
      throw new Error(`gave up after ${timeoutMs / 1_000} s waiting for ${what}`);
    await sleep(intervalMs, signal);
  }
}
