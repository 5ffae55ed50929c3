export interface WaitForOptions {
  /** Give up after this many milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Poll interval (default 10 ms). */
  intervalMs?: number;
  /** Names what is awaited, for the timeout message. */
  what?: string;
}

/**
 * Polls `check` until it returns a value other than `undefined`, `null` or `false`, and returns
 * it; throws when the deadline passes. Tests wait on outcomes with it instead of sleeping.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, undefined | null | false>> {
  const { timeoutMs = 10_000, intervalMs = 10, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
