import { parseArgs } from 'node:util';
import { SCENARIO_NAMES, type ScenarioName } from './scenario.js';

export interface CliOptions {
  /** In the demo's order, without duplicates. */
  scenarios: ScenarioName[];
  json: boolean;
  ui: boolean;
  color: boolean;
  emulator: boolean;
  /** Trace every scenario: a tree in the terminal, or OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT. */
  otel: boolean;
  help: boolean;
}

export const USAGE = `Usage: pnpm demo [-- options]    (or node apps/demo/dist/cli.js [options])

Runs every mistral-flows flow end to end: on the embedded emulator, or on the real Mistral API
when MISTRAL_API_KEY is set.

Options:
  --scenario <name>  run this scenario only; repeat for several: ${SCENARIO_NAMES.join(', ')}
  --json             one JSON object per scenario on stdout, one per line (the summary goes to stderr)
  --ui               start the visualizer, print its URL and wait for a page to open it (or Enter)
                     before the scenarios start; attach every actor; runs until Ctrl-C
  --emulator         use the emulator even when MISTRAL_API_KEY is set
  --otel             trace every scenario with OpenTelemetry (GenAI conventions) and print its
                     trace tree; with OTEL_EXPORTER_OTLP_ENDPOINT set, export there over OTLP/HTTP
  --no-color         no colours (NO_COLOR=1 too; colours and progress bars need a TTY anyway)
  -h, --help         this help

Environment: MISTRAL_API_KEY, MISTRAL_SERVER_URL, REDIS_URL (default redis://127.0.0.1:6379),
OTEL_EXPORTER_OTLP_ENDPOINT (with --otel).
Exit status: 0 when every scenario that ran passed, 1 when one failed, 2 for bad usage,
130 when interrupted.
`;

/** Thrown for arguments the demo does not understand. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses the command line; a bare `--` (as `pnpm demo -- --json` may pass it) is ignored. */
export function parseOptions(argv: readonly string[], env = process.env): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      options: {
        scenario: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        ui: { type: 'boolean', default: false },
        emulator: { type: 'boolean', default: false },
        otel: { type: 'boolean', default: false },
        'no-color': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const requested = values.scenario ?? [...SCENARIO_NAMES];
  for (const name of requested) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`unknown scenario "${name}": choose among ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  const noColor = values['no-color'] || (env.NO_COLOR !== undefined && env.NO_COLOR !== '');
  return {
    scenarios: SCENARIO_NAMES.filter((name) => requested.includes(name)),
    json: values.json,
    ui: values.ui,
    color: !noColor && !values.json,
    emulator: values.emulator,
    otel: values.otel,
    help: values.help,
  };
}
