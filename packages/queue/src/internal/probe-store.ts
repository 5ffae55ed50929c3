import { redactString, type Store } from '@mistral-flows/core';
import { settlesWithin } from './close-bullmq.js';

/**
 * Reads `key`, which nothing uses, to prove that `store` answers within `timeoutMs`: undefined
 * when it did, else why not, as a message that names the store as `what` (with the store's error
 * as `cause` when it failed), for a worker's `ready()` to throw as its own typed error.
 */
export async function probeStore(
  store: Store,
  key: string,
  timeoutMs: number,
  what: string,
): Promise<{ message: string; cause?: Error } | undefined> {
  const probe = await settlesWithin(
    store.get(key).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    ),
    timeoutMs,
  );
  if (!probe.settled) return { message: `${what} did not answer within ${timeoutMs} ms` };
  if (probe.value) {
    return {
      message: `${what} failed at start: ${redactString(probe.value.message)}`,
      cause: probe.value,
    };
  }
  return undefined;
}
