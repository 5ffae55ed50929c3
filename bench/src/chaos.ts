import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChaosReport, ChaosRun } from './chaos/chaos-run.js';
import { readCliArgs, wholeNumber } from './args.js';
import { liveChildren } from './children.js';
import { startChildEmulator } from './harness.js';
import { describeMachine, load, machineInfo } from './machine.js';

const usage = `Usage: node bench/dist/chaos.js [name ...] [--seed n] [--list]

Runs the chaos runs (streams, batch, queue, agents; all without a name) on loopback, prints what
each tried and what survived, and writes bench/results/chaos-latest.md and chaos-latest.json.
Exits 1 when any run lost, duplicated or hung anything (or exceeded its time budget).
The queue and conversations runs need Redis: REDIS_URL (default redis://127.0.0.1:6379);
conversations-postgres also needs PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).`;

/** The order they run in: cheapest first. */
const ORDER = [
  'streams',
  'batch',
  'batch-shared',
  'queue',
  'queue-hang',
  'agents',
  'agents-writers',
  'conversations',
  'conversations-postgres',
];
const DEFAULT_SEED = 20261126;

async function loadRuns(dir: string): Promise<ChaosRun[]> {
  const runs: ChaosRun[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { chaos?: ChaosRun };
    if (mod.chaos) runs.push(mod.chaos);
  }
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return runs.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values, list, names: wanted } = readCliArgs(argv, ['seed'], usage);
  const seed = wholeNumber(values.seed, '--seed') ?? DEFAULT_SEED;
  const here = dirname(fileURLToPath(import.meta.url));
  const runs = await loadRuns(join(here, 'chaos'));
  if (list) {
    for (const r of runs)
      console.log(`${r.name.padEnd(8)} budget ${r.budgetMs / 60_000} min  ${r.title}`);
    return;
  }
  const unknown = wanted.filter((w) => !runs.some((r) => r.name === w));
  if (unknown.length > 0) {
    console.error(
      `Unknown chaos run(s): ${unknown.join(', ')}. Known: ${runs.map((r) => r.name).join(', ')}`,
    );
    process.exit(2);
  }
  const selected = wanted.length > 0 ? runs.filter((r) => wanted.includes(r.name)) : runs;
  const machine = machineInfo();
  const date = new Date().toISOString();
  const started = Date.now();
  console.log(`${describeMachine(machine)}; load average ${load()}; seed ${seed}`);

  const reports: ChaosReport[] = [];
  let hungRun = false;
  for (const run of selected) {
    console.log(`\n== chaos: ${run.title} (${run.name}; budget ${run.budgetMs / 60_000} min)`);
    const t0 = Date.now();
    let report: ChaosReport;
    let timer: NodeJS.Timeout | undefined;
    try {
      const budget = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`hung: still running after its ${run.budgetMs / 60_000} min budget`)),
          run.budgetMs,
        );
      });
      const result = await Promise.race([
        run.run({ seed, log: (line) => console.log(line), startEmulator: startChildEmulator }),
        budget,
      ]);
      report = { ...result, durationMs: Date.now() - t0 };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message.startsWith('hung:')) hungRun = true;
      else console.error(error);
      report = {
        name: run.name,
        title: run.title,
        seed,
        tried: [],
        survived: [],
        failures: [`the run did not complete: ${message}`],
        facts: {},
        durationMs: Date.now() - t0,
      };
    } finally {
      clearTimeout(timer);
    }
    reports.push(report);
    console.log(renderChaos(report));
    if (hungRun) break; // its processes may still be running: do not start another run beside them
  }

  const durationMs = Date.now() - started;
  const failed = reports.filter((r) => r.failures.length > 0);
  const md = [
    '# Chaos results',
    '',
    `- Date: ${date}`,
    `- Machine: ${describeMachine(machine)}`,
    `- Command: \`node bench/dist/chaos.js${argv.length ? ' ' + argv.join(' ') : ''}\` (seed ${seed})`,
    `- Duration: ${Math.round(durationMs / 1000)} s`,
    '',
    '| run | result | duration |',
    '|---|---|---:|',
    ...reports.map(
      (r) =>
        `| ${r.name} | ${r.failures.length === 0 ? 'passed' : `**failed** (${r.failures.length} problem(s))`} | ${Math.round(r.durationMs / 1000)} s |`,
    ),
    '',
    ...reports.map(renderChaos),
  ].join('\n');
  const resultsDir = join(here, '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  for (const [file, text] of [
    ['chaos-latest.md', md + '\n'],
    [
      'chaos-latest.json',
      JSON.stringify({ date, machine, seed, durationMs, reports }, null, 2) + '\n',
    ],
  ] as const) {
    writeFileSync(join(resultsDir, `${file}.tmp`), text);
    renameSync(join(resultsDir, `${file}.tmp`), join(resultsDir, file));
  }
  console.log(
    `\nWrote bench/results/chaos-latest.md and chaos-latest.json in ${Math.round(durationMs / 1000)} s. ` +
      (failed.length === 0
        ? `All ${reports.length} chaos run(s) passed.`
        : `FAILED: ${failed.map((r) => r.name).join(', ')}.`),
  );
  if (liveChildren() > 0) console.log(`Stopping ${liveChildren()} child process(es) left running.`);
  // Exit explicitly: a hung run may still hold sockets and timers open.
  process.exit(failed.length === 0 ? 0 : 1);
}

export function renderChaos(r: ChaosReport): string {
  const lines = [
    `## ${r.title}`,
    '',
    `**${r.failures.length === 0 ? 'Passed' : 'FAILED'}** (${r.name}, seed ${r.seed}, ${Math.round(r.durationMs / 1000)} s)`,
    '',
    'Tried:',
    '',
    ...r.tried.map((t) => `- ${t}`),
    '',
    'Survived:',
    '',
    ...r.survived.map((s) => `- ${s}`),
  ];
  if (r.failures.length > 0) lines.push('', 'Problems:', '', ...r.failures.map((p) => `- ${p}`));
  return lines.join('\n') + '\n';
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
