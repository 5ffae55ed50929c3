import type { ScenarioRule } from '@mistral-flows/emulator';
import type { createClient } from '@mistral-flows/core';
import type { Telemetry } from '@mistral-flows/otel';
import type { InspectionEvent } from 'xstate';
import type { Output } from './terminal/output.js';

/**
 * The SDK client as core builds it: named through core so that the demo's OpenTelemetry
 * packages, which the SDK lists as optional peers, cannot pair it with another copy of its types.
 */
type Mistral = ReturnType<typeof createClient>;

export const SCENARIO_NAMES = [
  'agents',
  'support',
  'stream',
  'batch',
  'queue',
  'concurrent',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** The models the scenarios use, on the emulator and on the real API. */
export const DEMO_MODELS = { small: 'mistral-small-latest', large: 'mistral-large-latest' };

/** What every scenario is given. */
export interface DemoContext {
  client: Mistral;
  /** `emulator`: the in-process emulator; `api`: the real Mistral API (MISTRAL_API_KEY). */
  backend: 'emulator' | 'api';
  /** The emulator's faults (`x-emulator-fault` headers) work: false against the real API. */
  faults: boolean;
  models: { small: string; large: string };
  out: Output;
  /** `REDIS_URL`, or `redis://127.0.0.1:6379`. */
  redisUrl: string;
  /** The visualizer's observer (`--ui`): given to every actor the scenario starts. */
  inspect: ((event: InspectionEvent) => void) | undefined;
  /** `--otel`: for the bus (`observe`) and the chat worker (`chatJobTracing`). */
  telemetry: Telemetry | undefined;
  /** Aborted on Ctrl-C: stop, close what was started, and return (the result is discarded). */
  signal: AbortSignal;
  /** Mirrors the scenario's progress and streamed text on its actor, for the visualizer. */
  report(update: { completed: number; total: number } | { text: string }): void;
}

/** How a scenario ended, and what it found (the `--json` line's `result`). */
export interface ScenarioResult {
  status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped, in one line. */
  reason?: string;
  data: Record<string, unknown>;
}

export interface Scenario {
  name: ScenarioName;
  /** What it shows, in one line. */
  title: string;
  /** Rules the emulator needs for this scenario (scripted answers). */
  emulatorRules?: ScenarioRule[];
  /** Resolves to a reason to skip the scenario (a missing service), or undefined to run it. */
  precondition?(context: DemoContext): Promise<string | undefined>;
  run(context: DemoContext): Promise<ScenarioResult>;
}

/** Collects what a scenario expected and did not see; passed when nothing is missing. */
export class Checks {
  private readonly problems: string[] = [];

  expect(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  result(data: Record<string, unknown>): ScenarioResult {
    return this.problems.length === 0
      ? { status: 'passed', data }
      : { status: 'failed', reason: this.problems.join('; '), data };
  }
}
