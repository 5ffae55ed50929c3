/** Timestamps in the two formats of the API. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Whole seconds since the epoch (chat `created`, files, batch jobs). */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** ISO 8601 with a `Z` (agents, conversations, entries). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
