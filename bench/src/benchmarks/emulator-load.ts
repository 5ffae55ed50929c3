import { createRequire } from 'node:module';

/** The part of autocannon's result the emulator benchmarks read. */
export interface LoadResult {
  requests: { average: number; total: number };
  throughput: { average: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface LoadOptions {
  url: string;
  method: 'POST' | 'GET';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
}

// autocannon ships no types; it is CommonJS.
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: LoadOptions,
) => Promise<LoadResult>;

/**
 * Drives `url` with autocannon for `duration` seconds over `connections` keep-alive connections and
 * fails loudly on any error or non-2xx answer, so that a broken run never passes for a fast one.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon(options);
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `load run failed: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}
