import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, startChildEmulator, type BenchReport, type Benchmark } from './harness.js';

/**
 * `pnpm bench [name ...] [--rounds n] [--warmup n]`: runs the benchmarks found in
 * `dist/benchmarks/`, prints each table, and writes `bench/results/latest.md` and `latest.json`.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wanted: string[] = [];
  let rounds = 5;
  let warmup = 1;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--rounds') rounds = Number(args[++i]);
    else if (arg === '--warmup') warmup = Number(args[++i]);
    else wanted.push(arg);
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, 'benchmarks');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .sort();
  const benchmarks: Benchmark[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { benchmark?: Benchmark };
    if (mod.benchmark) benchmarks.push(mod.benchmark);
  }
  const unknown = wanted.filter((w) => !benchmarks.some((b) => b.name === w));
  if (unknown.length > 0) {
    console.error(
      `Unknown benchmark(s): ${unknown.join(', ')}. Known: ${benchmarks.map((b) => b.name).join(', ')}`,
    );
    process.exit(2);
  }
  const selected =
    wanted.length > 0 ? benchmarks.filter((b) => wanted.includes(b.name)) : benchmarks;
  const reports: BenchReport[] = [];
  const started = Date.now();
  for (const benchmark of selected) {
    console.log(`\n== ${benchmark.title} (${benchmark.name})`);
    const report = await benchmark.run({
      rounds,
      warmup,
      log: (line) => console.log(line),
      startEmulator: startChildEmulator,
    });
    reports.push(report);
    console.log(renderReport(report));
  }
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}, ${process.platform}`;
  const date = new Date().toISOString();
  const resultsDir = join(here, '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const md = [
    `# Benchmark results`,
    '',
    `- Date: ${date}`,
    `- Machine: ${machine}`,
    `- Command: \`pnpm bench${args.length ? ' ' + args.join(' ') : ''}\` (${rounds} rounds, ${warmup} warm-up; contenders alternate round by round)`,
    `- Duration: ${Math.round((Date.now() - started) / 1000)} s`,
    '',
    ...reports.map(renderReport),
  ].join('\n');
  writeFileSync(join(resultsDir, 'latest.md'), md + '\n');
  writeFileSync(
    join(resultsDir, 'latest.json'),
    JSON.stringify({ date, machine, rounds, warmup, reports }, null, 2) + '\n',
  );
  const missed = reports.flatMap((r) =>
    r.goals.filter((g) => !g.met).map((g) => `${r.name}: ${g.name}`),
  );
  console.log(
    `\nWrote bench/results/latest.md and latest.json. Goals missed: ${missed.length ? missed.join('; ') : 'none'}`,
  );
}

export function renderReport(report: BenchReport): string {
  const lines = [
    `## ${report.title}`,
    '',
    '| contender | metric | median | min | max | unit |',
    '|---|---|---:|---:|---:|---|',
  ];
  for (const m of report.measurements) {
    lines.push(
      `| ${m.contender} | ${m.metric} | ${format(m.median)} | ${format(m.min)} | ${format(m.max)} | ${m.unit} |`,
    );
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
