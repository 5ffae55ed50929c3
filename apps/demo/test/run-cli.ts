import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@mistral-flows/testing';

/** The built CLI: the tests run what `pnpm demo` runs. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(CLI)) {
    throw new Error(
      `${CLI} is missing: run \`pnpm turbo run build --filter=@mistral-flows/demo...\` first`,
    );
  }
}

/** A running demo process, its output so far, and its exit. */
export interface DemoProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited by itself. */
  exited: Promise<number | string>;
  /** Waits until stdout has a line matching `pattern`, and returns the match. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/**
 * Starts `node dist/cli.js ...args` on the emulator (MISTRAL_API_KEY and MISTRAL_SERVER_URL removed
 * from the current environment, `env` applied on top); no TTY, so no colours and no redrawn
 * progress bars.
 */
export function startDemo(
  args: string[],
  env: Record<string, string | undefined> = {},
): DemoProcess {
  assertBuilt();
  const base: Record<string, string | undefined> = { ...process.env };
  for (const name of [
    'MISTRAL_API_KEY',
    'MISTRAL_SERVER_URL',
    'NO_COLOR',
    'FORCE_COLOR',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
  ]) {
    delete base[name];
  }
  const childEnv = { ...base, ...env };
  const child = spawn(process.execPath, [CLI, ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine: (pattern, timeoutMs = 60_000) =>
      waitFor(
        () =>
          out
            .split('\n')
            .map((line) => line.match(pattern))
            .find(Boolean),
        {
          timeoutMs,
          intervalMs: 25,
          what: `a line matching ${String(pattern)} (stdout so far:\n${out}\nstderr:\n${err})`,
        },
      ),
  };
}

/** Runs the demo to its end: exit code, stdout, stderr. */
export async function runDemo(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const demo = startDemo(args, env);
  const code = await demo.exited;
  return { code, stdout: demo.stdout(), stderr: demo.stderr() };
}

/** One `--json` line: a scenario's outcome and findings. */
export interface ScenarioLine {
  scenario: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  backend: string;
  reason?: string;
  result: Record<string, unknown>;
}

/** Parses stdout line by line; throws on any line that is not JSON. */
export function parseJsonLines(stdout: string): Map<string, ScenarioLine> {
  const scenarios = new Map<string, ScenarioLine>();
  for (const line of stdout.split('\n').filter((l) => l !== '')) {
    const scenario = JSON.parse(line) as ScenarioLine;
    scenarios.set(scenario.scenario, scenario);
  }
  return scenarios;
}

/** The final line: `summary  scenarios run: n, passed: n, failed: n, skipped: n (...) in t`. */
export const SUMMARY =
  /^summary {2}scenarios run: (\d+), passed: (\d+), failed: (\d+), skipped: (\d+)(?: \(([a-z, ]+)\))? in \S+ m?s$/;

/** The counts of the summary line in `text` (stderr with --json, stdout otherwise). */
export function summaryOf(text: string): {
  run: number;
  passed: number;
  failed: number;
  skipped: number;
  skippedNames: string[];
} {
  const lines = text.split('\n').filter((line) => SUMMARY.test(line));
  if (lines.length !== 1) throw new Error(`expected one summary line in:\n${text}`);
  const [, run, passed, failed, skipped, names] = SUMMARY.exec(lines[0]!)!;
  return {
    run: Number(run),
    passed: Number(passed),
    failed: Number(failed),
    skipped: Number(skipped),
    skippedNames: names ? names.split(', ') : [],
  };
}
