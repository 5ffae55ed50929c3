import { parseArgs as parseArgsWith, type ParseArgsConfig } from 'node:util';
import { EmulatorConfigError } from '../errors/emulator-config-error.js';
import type { EmulatorOptions } from '../options.js';

export const usage = `Usage: mistral-flows-emulator [options]

  --port <n>                port to listen on (default 0: any free port)
  --host <addr>             interface (default 127.0.0.1)
  --allowed-hosts <names>   Host names to answer besides IPs, localhost and --host
                            (comma-separated; .example.com for a domain; "all" for any)
  --api-key <key>           require "Authorization: Bearer <key>"
  --ttft-ms <ms>            time to first token (default 0)
  --token-ms <ms>           delay per streamed token (default 0)
  --fault-rate <p>          share of model calls that get a 429/500/503 (default 0)
  --seed <n>                seed of the scripted model and fault draws (default 0)
  --scenarios <file>        JSON scenario rules
  --rps <n>                 requests per second before 429, all clients (default: no limit)
  --rpm <n>                 requests per minute per API key, with x-ratelimit-* headers (default: off)
  --tpm <n>                 model tokens per minute per API key, with x-ratelimit-* headers (default: off)
  --max-body-bytes <n>      largest JSON body (default 10 MiB)
  --max-file-bytes <n>      largest uploaded file (default 512 MiB)
  --data-dir <path>         keep files and batch jobs on disk across restarts
  --batch-rps <n>           batch lines per second per job (default: as fast as possible)
  --batch-clock-scale <k>   batch clock runs k times faster, for timeout_hours (default 1)
  --batch-concurrency <n>   jobs running at once (default 4)
  --batch-fault-rate <p>    share of batch lines that fail (default 0)
  --ignore-list-metadata-filter
                            list batch jobs without filtering by metadata
  --model <name>            serve this model name too (repeatable; fine-tuned ids ft:...)
  --error-shape <shape>     422 bodies: observed (default, as the real API) or fastapi
  --help                    show this help`;

type Kind = 'int' | 'number' | 'string' | 'rate' | 'switch';

const flags: Record<string, { kind: Kind; set: (o: EmulatorOptions, v: never) => void }> = {
  port: { kind: 'int', set: (o, v: number) => (o.port = v) },
  host: { kind: 'string', set: (o, v: string) => (o.host = v) },
  'allowed-hosts': {
    kind: 'string',
    set: (o, v: string) => (o.allowedHosts = v === 'all' ? true : v.split(',')),
  },
  'api-key': { kind: 'string', set: (o, v: string) => (o.apiKey = v) },
  'ttft-ms': { kind: 'number', set: (o, v: number) => (o.latency = { ...o.latency, ttftMs: v }) },
  'token-ms': { kind: 'number', set: (o, v: number) => (o.latency = { ...o.latency, tokenMs: v }) },
  'fault-rate': { kind: 'rate', set: (o, v: number) => (o.faults = { ...o.faults, rate: v }) },
  seed: { kind: 'int', set: (o, v: number) => (o.seed = v) },
  scenarios: { kind: 'string', set: (o, v: string) => (o.scenarios = v) },
  rps: { kind: 'number', set: (o, v: number) => (o.rps = v) },
  rpm: {
    kind: 'int',
    set: (o, v: number) => (o.rateLimit = { ...o.rateLimit, requestsPerMinute: v }),
  },
  tpm: {
    kind: 'int',
    set: (o, v: number) => (o.rateLimit = { ...o.rateLimit, tokensPerMinute: v }),
  },
  'max-body-bytes': { kind: 'int', set: (o, v: number) => (o.maxBodyBytes = v) },
  'max-file-bytes': { kind: 'int', set: (o, v: number) => (o.maxFileBytes = v) },
  'data-dir': { kind: 'string', set: (o, v: string) => (o.dataDir = v) },
  'batch-rps': { kind: 'number', set: (o, v: number) => (o.batchRps = v) },
  'batch-clock-scale': { kind: 'number', set: (o, v: number) => (o.batchClockScale = v) },
  'batch-concurrency': { kind: 'int', set: (o, v: number) => (o.batchConcurrency = v) },
  'batch-fault-rate': {
    kind: 'rate',
    set: (o, v: number) => (o.faults = { rate: 0, ...o.faults, batchLineRate: v }),
  },
  'error-shape': {
    kind: 'string',
    set: (o, v: string) => (o.errorShape = v as EmulatorOptions['errorShape']),
  },
  model: {
    kind: 'string',
    set: (o, v: string) => (o.models = [...(o.models ?? []), v]),
  },
  'ignore-list-metadata-filter': {
    kind: 'switch',
    set: (o, v: boolean) => (o.ignoreListMetadataFilter = v),
  },
};

/** The result of reading the command line. */
export type CliCommand = { help: true } | { help: false; options: EmulatorOptions };

/** `node:util`'s `parseArgs` configuration of the flags above. */
const parseConfig = {
  help: { type: 'boolean', short: 'h' },
  ...Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [
      name,
      flag.kind === 'switch'
        ? { type: 'boolean' }
        : { type: 'string', ...(name === 'model' ? { multiple: true } : {}) },
    ]),
  ),
} as const satisfies ParseArgsConfig['options'];

/** Reads the CLI flags (`--flag value` or `--flag=value`) into emulator options. */
export function parseArgs(argv: string[]): CliCommand {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgsWith({
      // `pnpm emulator -- --port 4010` passes the separator through.
      args: argv.filter((arg) => arg !== '--'),
      options: parseConfig,
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    throw new EmulatorConfigError(
      `${error instanceof Error ? error.message : String(error)}\n\n${usage}`,
    );
  }
  if (values.help) return { help: true };
  const options: EmulatorOptions = {};
  for (const [name, flag] of Object.entries(flags)) {
    const value = values[name];
    if (value === undefined) continue;
    if (flag.kind === 'switch') flag.set(options, true as never);
    else {
      for (const raw of Array.isArray(value) ? value : [value as string]) {
        flag.set(options, convert(name, flag.kind, raw) as never);
      }
    }
  }
  return { help: false, options };
}

function convert(name: string, kind: Kind, raw: string): string | number {
  if (kind === 'string') return raw;
  const value = Number(raw);
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(value) &&
    value >= 0 &&
    (kind !== 'int' || Number.isInteger(value)) &&
    (kind !== 'rate' || value <= 1);
  if (!ok) {
    const expected =
      kind === 'int' ? 'a whole number' : kind === 'rate' ? 'a number between 0 and 1' : 'a number';
    throw new EmulatorConfigError(`--${name} must be ${expected}, got ${raw}`);
  }
  return value;
}
