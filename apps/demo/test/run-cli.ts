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
 * Starts `node dist/cli.js ...args` with the emulator (MISTRAL_API_KEY removed) and `env` on top
 * of the current environment; no TTY, so no colours and no redrawn progress bars.
 */
export function startDemo(
  args: string[],
  env: Record<string, string | undefined> = {},
): DemoProcess {
  assertBuilt();
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.MISTRAL_API_KEY;
  delete childEnv.MISTRAL_SERVER_URL;
  delete childEnv.NO_COLOR;
  delete childEnv.FORCE_COLOR;
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

/** The `--json` lines: one object per scenario, then `{ summary }`. */
export interface ScenarioLine {
  scenario: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  backend: string;
  reason?: string;
  result: Record<string, unknown>;
}

export interface SummaryLine {
  summary: {
    run: number;
    passed: number;
    failed: number;
    skipped: number;
    durationMs: number;
    backend: string;
  };
}

/** Parses stdout line by line; throws on any line that is not JSON. */
export function parseJsonLines(stdout: string): {
  scenarios: Map<string, ScenarioLine>;
  summary: SummaryLine['summary'];
  lines: unknown[];
} {
  const lines = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
  const scenarios = new Map<string, ScenarioLine>();
  let summary: SummaryLine['summary'] | undefined;
  for (const line of lines) {
    if (typeof line === 'object' && line !== null && 'summary' in line) {
      summary = (line as SummaryLine).summary;
    } else {
      const scenario = line as ScenarioLine;
      scenarios.set(scenario.scenario, scenario);
    }
  }
  if (!summary) throw new Error(`no summary line in:\n${stdout}`);
  return { scenarios, summary, lines };
}
