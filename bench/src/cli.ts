import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  format,
  goalLine,
  startChildEmulator,
  type BenchReport,
  type Benchmark,
} from './harness.js';
import { readCliArgs, wholeNumber } from './args.js';
import { describeMachine, load, machineInfo } from './machine.js';
import { optIn, planFor, type RoundPlan } from './plan.js';

const usage = `Usage: pnpm bench [name ...] [--rounds n] [--warmup n] [--list]

Runs the benchmarks found in bench/dist/benchmarks/ (without a name, all but the opt-in ones,
which run only when named: see --list), contenders alternating round by round, and writes
bench/results/latest.md and latest.json.
--rounds / --warmup override the per-benchmark plan (bench/src/plan.ts) for every selected one.`;

interface Args {
  wanted: string[];
  override: Partial<RoundPlan>;
  list: boolean;
}

function parseCli(argv: string[]): Args {
  const { values, list, names } = readCliArgs(argv, ['rounds', 'warmup'], usage);
  const override: Partial<RoundPlan> = {};
  const rounds = wholeNumber(values.rounds, '--rounds', 1);
  const warmup = wholeNumber(values.warmup, '--warmup');
  if (rounds !== undefined) override.rounds = rounds;
  if (warmup !== undefined) override.warmup = warmup;
  return { wanted: names, override, list };
}

async function loadBenchmarks(dir: string): Promise<Benchmark[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort();
  const benchmarks: Benchmark[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { benchmark?: Benchmark };
    if (mod.benchmark) benchmarks.push(mod.benchmark);
  }
  return benchmarks;
}

/**
 * `pnpm bench [name ...] [--rounds n] [--warmup n]`: runs the benchmarks found in
 * `dist/benchmarks/`, prints each table with a line saying whether its goals were met, and writes
 * `bench/results/latest.md` and `latest.json`. A benchmark that throws is reported as failed and
 * the others still run; one still running after 12 minutes is reported as hung and the run
 * stops there; the exit code is then 1. Missed goals do not change the exit code: on a
 * shared machine they are findings, not assertions.
 */
async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseCli(argv);
  const here = dirname(fileURLToPath(import.meta.url));
  const benchmarks = await loadBenchmarks(join(here, 'benchmarks'));
  if (args.list) {
    for (const b of benchmarks) {
      const p = planFor(b.name, args.override);
      const only = optIn.has(b.name) ? ' (opt-in: only when named)' : '';
      console.log(
        `${b.name.padEnd(16)} ${p.rounds} rounds, ${p.warmup} warm-up${only}  ${b.title}`,
      );
    }
    return;
  }
  const unknown = args.wanted.filter((w) => !benchmarks.some((b) => b.name === w));
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark(s): ${unknown.join(', ')}. Known: ${benchmarks.map((b) => b.name).join(', ')}`,
    );
    process.exit(2);
  }
  const selected =
    args.wanted.length > 0
      ? benchmarks.filter((b) => args.wanted.includes(b.name))
      : benchmarks.filter((b) => !optIn.has(b.name));

  const machine = machineInfo();
  const loadBefore = load();
  const date = new Date().toISOString();
  const started = Date.now();
  console.log(
    `${describeMachine(machine)}; load average ${loadBefore}; ${selected.length} benchmark(s)`,
  );
  const reports: BenchReport[] = [];
  let hung = false;
  for (const [index, benchmark] of selected.entries()) {
    const p = planFor(benchmark.name, args.override);
    console.log(
      `\n== [${index + 1}/${selected.length}] ${benchmark.title} (${benchmark.name}; ${plural(p.rounds, 'round')}, ${p.warmup} warm-up; ${elapsed(started)} elapsed)`,
    );
    const t0 = Date.now();
    let report: BenchReport;
    let timer: NodeJS.Timeout | undefined;
    try {
      report = await Promise.race([
        benchmark.run({
          rounds: p.rounds,
          warmup: p.warmup,
          log: (line) => console.log(line),
          startEmulator: startChildEmulator,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new HungError(`still running after ${HANG_MS / 60_000} minutes`)),
            HANG_MS,
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof HungError) hung = true;
      else console.error(error);
      report = {
        name: benchmark.name,
        title: benchmark.title,
        measurements: [],
        goals: [],
        notes: [],
        error: error instanceof Error ? error.message : String(error),
      };
    }
    clearTimeout(timer);
    report.durationMs = Date.now() - t0;
    report.rounds = p.rounds;
    report.warmup = p.warmup;
    reports.push(report);
    console.log(renderReport(report));
    if (hung) break; // it may still hold processes and CPU: measure nothing beside it
  }
  const durationMs = Date.now() - started;
  const loadAfter = load();
  const command = `pnpm bench${argv.length ? ' ' + argv.join(' ') : ''}`;
  const md = [
    '# Benchmark results',
    '',
    `- Date: ${date}`,
    `- Machine: ${describeMachine(machine)}`,
    `- Load average (1, 5, 15 min): ${loadBefore} at the start, ${loadAfter} at the end`,
    `- Command: \`${command}\` (contenders alternate round by round; medians of the measured rounds after the warm-up)`,
    `- Duration: ${Math.round(durationMs / 1000)} s`,
    '',
    renderSummary(reports),
    ...reports.map(renderReport),
  ].join('\n');
  const resultsDir = join(here, '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeAtomically(join(resultsDir, 'latest.md'), md + '\n');
  writeAtomically(
    join(resultsDir, 'latest.json'),
    JSON.stringify(
      { date, machine, loadBefore, loadAfter, command, durationMs, reports },
      null,
      2,
    ) + '\n',
  );
  const missed = reports.flatMap((r) =>
    r.goals.filter((g) => !g.met).map((g) => `${r.name}: ${g.name}`),
  );
  const failed = reports.filter((r) => r.error !== undefined);
  console.log(
    `\nWrote bench/results/latest.md and latest.json in ${elapsed(started)}. ` +
      `Goals missed: ${missed.length ? missed.join('; ') : 'none'}.` +
      (failed.length ? ` Benchmarks that failed: ${failed.map((r) => r.name).join(', ')}.` : ''),
  );
  if (failed.length > 0) process.exitCode = 1;
  // A hung benchmark may still hold sockets and timers: exit (its child processes are killed).
  if (hung) process.exit(1);
}

/** A hang guard, not a performance limit: the slowest benchmark takes about 4 minutes. */
const HANG_MS = 12 * 60_000;

class HungError extends Error {}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** One row per goal across all benchmarks, so the state of the run reads at a glance. */
export function renderSummary(reports: BenchReport[]): string {
  const lines = [
    '## Summary',
    '',
    '| benchmark | goal | target | measured | met |',
    '|---|---|---|---|---|',
  ];
  for (const r of reports) {
    if (r.error !== undefined) lines.push(`| ${r.name} | (failed: ${r.error}) | | | **no** |`);
    for (const g of r.goals) {
      if (g.target === 'none') continue;
      lines.push(
        `| ${r.name} | ${g.name} | ${g.target} | ${g.actual} | ${g.met ? 'yes' : '**no**'} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

export function renderReport(report: BenchReport): string {
  const run =
    report.rounds !== undefined
      ? `${plural(report.rounds, 'round')} after ${report.warmup ?? 0} warm-up` +
        (report.durationMs !== undefined ? `, ${format(report.durationMs / 1000)} s` : '')
      : undefined;
  const lines = [`## ${report.title}`, '', `**${goalLine(report)}**${run ? ` (${run})` : ''}`, ''];
  if (report.measurements.length > 0) {
    lines.push(
      '| contender | metric | median | min | max | unit |',
      '|---|---|---:|---:|---:|---|',
    );
    for (const m of report.measurements) {
      lines.push(
        `| ${m.contender} | ${m.metric} | ${format(m.median)} | ${format(m.min)} | ${format(m.max)} | ${m.unit} |`,
      );
    }
  }
  if (report.goals.length > 0) {
    lines.push('', '| goal | target | measured | met |', '|---|---|---|---|');
    for (const g of report.goals)
      lines.push(`| ${g.name} | ${g.target} | ${g.actual} | ${g.met ? 'yes' : '**no**'} |`);
  }
  for (const note of report.notes) lines.push('', `> ${note}`);
  return lines.join('\n') + '\n';
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
