import { classifyError, redactString } from '@mistral-flows/core';
import { createVisualizer, type Visualizer } from '@mistral-flows/visualizer';
import { createActor, type InspectionEvent } from 'xstate';
import { startBackend, type Backend } from './backend.js';
import type { CliOptions } from './options.js';
import { DEMO_MODELS, type DemoContext, type Scenario, type ScenarioResult } from './scenario.js';
import { scenarioMachine } from './scenario-machine.js';
import { SCENARIOS } from './scenarios/index.js';
import { Output } from './terminal/output.js';
import { startDemoTelemetry, type DemoTelemetry } from './telemetry.js';
import { waitForViewer } from './wait-for-viewer.js';
import { formatDuration } from './terminal/style.js';

/** One line of `--json` output per scenario. */
export interface ScenarioReport {
  scenario: string;
  status: ScenarioResult['status'];
  durationMs: number;
  backend: 'emulator' | 'api';
  reason?: string;
  result: Record<string, unknown>;
}

/** What the final line counts. */
export interface Summary {
  run: number;
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
}

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Runs the selected scenarios one after the other and prints them; resolves to the exit status.
 * Every service it starts (emulator, visualizer, and the scenarios' own) is closed before it
 * resolves.
 */
export async function runDemo(options: CliOptions, signal: AbortSignal): Promise<number> {
  const tty = process.stdout.isTTY === true;
  const out = new Output({ color: options.color && tty, tty, quiet: options.json });
  const s = out.style;
  // With --json, stdout holds the scenarios' JSON lines only: the lines people need go to stderr.
  const say = (line: string) => (options.json ? process.stderr.write(`${line}\n`) : out.line(line));
  const started = Date.now();
  const scenarios = options.scenarios.map((name) => SCENARIOS[name]);
  const reports: ScenarioReport[] = [];
  let visualizer: Visualizer | undefined;
  let backend: Backend | undefined;
  const otel: DemoTelemetry | undefined = options.otel ? startDemoTelemetry() : undefined;

  try {
    if (options.ui) {
      visualizer = await createVisualizer({ host: '127.0.0.1', port: 0 });
      say(s.bold(`visualizer    ${visualizer.url}`));
      say(
        `              waiting for a page to open it before the scenarios start` +
          (process.stdin.isTTY === true ? ' (or press Enter to start now)' : ''),
      );
      const started = await waitForViewer(visualizer, signal);
      if (started !== 'aborted') {
        say(
          `              ${started === 'page' ? 'page connected' : 'starting'}: running the scenarios`,
        );
      }
    }
    backend = await startBackend({
      forceEmulator: options.emulator,
      rules: scenarios.flatMap((scenario) => scenario.emulatorRules ?? []),
    });
    out.line(`${s.bold('mistral-flows demo')} ${s.dim('·')} ${backend.description}`);
    out.line(s.dim(`  ${backend.detail}`));
    if (otel) out.line(s.dim(`  OpenTelemetry: ${otel.destination}`));

    const context: Omit<DemoContext, 'report'> = {
      client: backend.client,
      backend: backend.kind,
      faults: backend.kind === 'emulator',
      models: DEMO_MODELS,
      out,
      redisUrl: process.env.REDIS_URL?.trim() || DEFAULT_REDIS_URL,
      inspect: combineInspect(visualizer?.inspect, otel?.telemetry.inspect),
      telemetry: otel?.telemetry,
      signal,
    };
    for (const scenario of scenarios) {
      if (signal.aborted) break;
      const report = otel
        ? await otel.run(scenario.name, () => runScenario(scenario, context))
        : await runScenario(scenario, context);
      reports.push(report);
      if (otel) {
        const tree = await otel.tree();
        if (tree.length > 0) {
          out.line(s.dim('  trace'));
          for (const line of tree) out.line(s.dim(`    ${line}`));
        }
      }
      if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    }
  } catch (error) {
    await visualizer?.close();
    throw error;
  } finally {
    await backend?.close();
    await otel?.close();
  }

  const count = (status: ScenarioResult['status']) =>
    reports.filter((r) => r.status === status).length;
  const summary: Summary = {
    run: reports.length - count('skipped'),
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    durationMs: Date.now() - started,
  };
  const interrupted = signal.aborted;
  const skippedNames = reports.filter((r) => r.status === 'skipped').map((r) => r.scenario);
  out.line();
  say(
    `${s.bold('summary')}  scenarios run: ${summary.run}, ` +
      `passed: ${summary.passed > 0 ? s.green(String(summary.passed)) : '0'}, ` +
      `failed: ${summary.failed > 0 ? s.red(String(summary.failed)) : '0'}, ` +
      `skipped: ${summary.skipped}${skippedNames.length ? ` (${skippedNames.join(', ')})` : ''}` +
      s.dim(` in ${formatDuration(summary.durationMs)}`),
  );

  if (visualizer) {
    if (!interrupted) {
      say(`visualizer    ${visualizer.url} is still running: press Ctrl-C to stop`);
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
    await visualizer.close();
  }
  // After the summary, Ctrl-C only stops the visualizer: the status is the scenarios'.
  if (interrupted) return 130;
  return summary.failed > 0 ? 1 : 0;
}

async function runScenario(
  scenario: Scenario,
  base: Omit<DemoContext, 'report'>,
): Promise<ScenarioReport> {
  const { out } = base;
  const s = out.style;
  const actor = createActor(scenarioMachine, {
    id: `scenario-${scenario.name}`,
    input: { name: scenario.name, title: scenario.title },
    ...(base.inspect ? { inspect: base.inspect } : {}),
  }).start();
  const context: DemoContext = {
    ...base,
    report: (update) =>
      actor.send(
        'text' in update
          ? { type: 'scenario.text', text: update.text }
          : { type: 'scenario.progress', ...update },
      ),
  };
  const started = Date.now();
  const finish = (result: ScenarioResult): ScenarioReport => ({
    scenario: scenario.name,
    status: result.status,
    durationMs: Date.now() - started,
    backend: base.backend,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    result: result.data,
  });

  const skip = await scenario.precondition?.(context);
  if (skip !== undefined) {
    actor.send({ type: 'scenario.skip', reason: skip });
    out.line();
    out.line(`${s.bold(s.cyan(scenario.name))} ${s.dim('·')} ${s.yellow('skipped')}: ${skip}`);
    return finish({ status: 'skipped', reason: skip, data: {} });
  }

  out.heading(scenario.name, scenario.title);
  actor.send({ type: 'scenario.start' });
  let result: ScenarioResult;
  try {
    // Scenarios stop their work when the signal aborts, and close what they started.
    result = await scenario.run(context);
  } catch (error) {
    result = { status: 'failed', reason: describeError(error), data: {} };
  } finally {
    out.finishProgress();
  }
  if (base.signal.aborted) result = { ...result, status: 'failed', reason: 'interrupted' };
  const took = s.dim(`in ${formatDuration(Date.now() - started)}`);
  switch (result.status) {
    case 'passed':
      actor.send({ type: 'scenario.pass' });
      out.line(`  ${s.green('✓ passed')} ${took}`);
      break;
    case 'failed':
      actor.send({ type: 'scenario.fail', reason: result.reason ?? 'failed' });
      out.line(`  ${s.red('✗ failed')} ${took}: ${result.reason ?? ''}`);
      break;
    case 'skipped':
      actor.send({ type: 'scenario.skip', reason: result.reason ?? 'skipped' });
      out.line(`  ${s.yellow('- skipped')}: ${result.reason ?? ''}`);
      break;
  }
  return finish(result);
}

/** One line, secrets removed, no stack. */
function describeError(error: unknown): string {
  const classification = classifyError(error);
  const message = redactString(error instanceof Error ? error.message : String(error)).replace(
    /\s+/g,
    ' ',
  );
  return classification.code === 'unknown' ? message : `${classification.code}: ${message}`;
}

/** One inspection observer that feeds every given one. */
function combineInspect(
  ...observers: Array<((event: InspectionEvent) => void) | undefined>
): ((event: InspectionEvent) => void) | undefined {
  const present = observers.filter((o) => o !== undefined);
  if (present.length <= 1) return present[0];
  return (event) => {
    for (const observe of present) observe(event);
  };
}
