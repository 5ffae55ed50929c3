import type { ChildEmulator } from '../harness.js';

/** What one chaos run tried, what survived, and every loss, duplicate or hang it found. */
export interface ChaosReport {
  name: string;
  title: string;
  seed: number;
  /** What was done to the system, one line each. */
  tried: string[];
  /** What came out intact, one line each. */
  survived: string[];
  /** Every problem found; the run passes when this is empty. */
  failures: string[];
  /** Counters worth keeping in the results file. */
  facts: Record<string, number | string>;
  durationMs: number;
}

export interface ChaosContext {
  seed: number;
  log: (line: string) => void;
  /** The emulator in a child process (so that a crash of ours cannot take it down). */
  startEmulator(args?: string[]): Promise<ChildEmulator>;
}

export interface ChaosRun {
  name: string;
  title: string;
  /** Hard limit: a run still going after this long is stopped and reported as hung. */
  budgetMs: number;
  run(ctx: ChaosContext): Promise<Omit<ChaosReport, 'durationMs'>>;
}

/** Collects the lines of a report as a run goes. */
export class Findings {
  readonly tried: string[] = [];
  readonly survived: string[] = [];
  readonly failures: string[] = [];
  readonly facts: Record<string, number | string> = {};

  /** Records `problem` when `ok` is false; returns `ok`. */
  check(ok: boolean, problem: string): boolean {
    if (!ok) this.failures.push(problem);
    return ok;
  }

  /** Records at most `limit` examples of one kind of problem, then a count of the rest. */
  checkAll(problems: string[], what: string, limit = 10): void {
    if (problems.length === 0) return;
    this.failures.push(
      `${problems.length} ${what}: ${problems.slice(0, limit).join('; ')}` +
        (problems.length > limit ? `; ... and ${problems.length - limit} more` : ''),
    );
  }
}

/** The emulator's `GET /_emulator/stats`, the parts the chaos runs read. */
export interface EmulatorStatsLike {
  requests: Record<string, number>;
  modelCalls: { total: number; inFlight: number; maxInFlight: number };
  openStreams: number;
  completedStreams: number;
  abortedStreams: number;
  faultsInjected: Record<string, number>;
  openConnections: number;
  files: number;
  jobsCreated: number;
  jobsByStatus: Record<string, number>;
  jobsByMetadata: Record<string, Record<string, number>>;
}

export async function emulatorStats(url: string): Promise<EmulatorStatsLike> {
  const res = await fetch(`${url}/_emulator/stats`);
  if (!res.ok) throw new Error(`emulator stats: HTTP ${res.status}`);
  return (await res.json()) as EmulatorStatsLike;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `intervalMs` until it holds (true) or `timeoutMs` passes (false). */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
