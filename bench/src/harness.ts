import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { track } from './children.js';

/** Every number measured for one contender on one metric, with its summary. */
export interface Measurement {
  contender: string;
  metric: string;
  unit: string;
  samples: number[];
  median: number;
  min: number;
  max: number;
}

/** A goal from the issues, and whether this run met it. */
export interface Goal {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

export interface BenchReport {
  name: string;
  title: string;
  measurements: Measurement[];
  goals: Goal[];
  notes: string[];
  /** Filled by the CLI: wall time of the whole benchmark, and the rounds it ran with. */
  durationMs?: number;
  rounds?: number;
  warmup?: number;
  /** Filled by the CLI when the benchmark threw: it then has no measurements. */
  error?: string;
}

export interface BenchContext {
  /** Measured rounds per contender (after warm-up). */
  rounds: number;
  /** Unmeasured rounds first. */
  warmup: number;
  log: (line: string) => void;
  /** Starts the emulator in a child process, so that its CPU is not counted in ours. */
  startEmulator(args?: string[]): Promise<ChildEmulator>;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<BenchReport>;
}

export interface ChildEmulator {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Runs every contender once per round, rotating who goes first, so that drift on a shared machine
 * (other load, thermal state, GC) spreads over all of them instead of favouring one.
 */
export async function alternate(
  contenders: Record<string, () => Promise<number>>,
  options: { rounds: number; warmup: number; log?: (line: string) => void },
): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const total = options.warmup + options.rounds;
  for (let round = 0; round < total; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    for (const name of order) {
      const value = await contenders[name]!();
      if (round >= options.warmup) samples[name]!.push(value);
      options.log?.(
        `  ${round < options.warmup ? 'warm-up' : `round ${round - options.warmup + 1}`} ${name}: ${format(value)}`,
      );
    }
  }
  return samples;
}

export function measurement(
  contender: string,
  metric: string,
  unit: string,
  samples: number[],
): Measurement {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    contender,
    metric,
    unit,
    samples,
    median: median(sorted),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank `p`th percentile (0 to 100) of `sorted`, in ascending order; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Median of the per-round ratios a/b: robust to drift between rounds. */
export function medianRatio(a: number[], b: number[]): number {
  const ratios = a.map((value, i) => value / b[i]!);
  return median(ratios);
}

export function format(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

/**
 * One line saying which goals a report met: `Goals met: 2 of 2.` or
 * `Goals met: 1 of 2; not met: <name> (<measured>, target <target>).`
 */
export function goalLine(report: BenchReport): string {
  if (report.error !== undefined) return `Not measured: the benchmark failed (${report.error}).`;
  const goals = report.goals.filter((g) => g.target !== 'none');
  if (goals.length === 0) return 'No goal: figures for reference.';
  const missed = goals.filter((g) => !g.met);
  const head = `Goals met: ${goals.length - missed.length} of ${goals.length}`;
  if (missed.length === 0) return `${head}.`;
  return `${head}; not met: ${missed.map((g) => `${g.name} (${g.actual}, target ${g.target})`).join('; ')}.`;
}

/** CPU time (user + system) of this process, in milliseconds. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export async function startChildEmulator(args: string[] = []): Promise<ChildEmulator> {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('@mistral-flows/emulator/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: Record<string, string> };
  const bin = join(dirname(pkgPath), Object.values(pkg.bin)[0]!); // a shim that imports dist/cli.js
  const child = track(
    spawn(process.execPath, [bin, '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    const onData = (data: Buffer) => {
      buffer += data.toString();
      const match = /listening on (http:\/\/\S+)/.exec(buffer);
      if (match) {
        child.stdout.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`emulator exited early with code ${code}`)));
  });
  child.stdout.resume();
  return {
    url,
    pid: child.pid!,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
