import { EmulatorConfigError } from './errors/emulator-config-error.js';
import type { GlobalFaults } from './faults/fault-injector.js';
import { errorShapes, type ErrorShape } from './http/http-error.js';
import type { ScenarioFile } from './scenarios/scenario.js';

/** Batch faults, for every job (`faults.batchJob`) or one job (`metadata.emulator_fault`). */
export type BatchFaultKind = 'fail' | 'timeout' | 'stall' | 'partial';

export interface EmulatorOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  host?: string;
  /**
   * `Host` names to answer besides IP addresses, `localhost`, `*.localhost`, `host` and (when
   * listening on every interface) the machine's name: exact names, or `.example.com` for a domain
   * and its subdomains; `true` accepts any name. Other names get a 421 (DNS rebinding protection).
   */
  allowedHosts?: string[] | true;
  /**
   * When set, every `/v1` and `/_emulator` request must carry `Authorization: Bearer <apiKey>`
   * (signed file URLs excepted).
   */
  apiKey?: string;
  /** Time to first token and per-token delay, in ms (default 0 and 0). */
  latency?: { ttftMs?: number; tokenMs?: number };
  /** Global fault injection for model calls, and for batch jobs and lines. */
  faults?: GlobalFaults & {
    /** Probability in [0, 1] that a batch line fails with a 500 in the error file. */
    batchLineRate?: number;
    /** A fault applied to every batch job (as if its metadata had `emulator_fault`). */
    batchJob?: BatchFaultKind;
  };
  /** Seed of the scripted model and of the fault draws (default 0). */
  seed?: number;
  /** Scenario rules, or the path of a JSON scenario file. */
  scenarios?: ScenarioFile | string;
  /** Requests per second allowed on `/v1`, over all clients, before answering 429 (default: no limit). */
  rps?: number;
  /**
   * Budgets per API key (per client address for requests without a key), refilled evenly over the
   * minute: `requestsPerMinute` on every `/v1` request, `tokensPerMinute` on model calls (prompt and
   * completion tokens, charged once the call has run). Answers carry the real API's headers
   * (`x-ratelimit-limit-req-minute`, `x-ratelimit-remaining-req-minute`,
   * `x-ratelimit-limit-tokens-minute`, `x-ratelimit-remaining-tokens-minute`,
   * `x-ratelimit-tokens-query-cost`); a request over budget gets a 429 with `Retry-After`.
   * Off by default (no budget, no headers).
   */
  rateLimit?: { requestsPerMinute?: number; tokensPerMinute?: number };
  /** Largest JSON request body, in bytes (default 10 MiB). */
  maxBodyBytes?: number;
  /** Largest uploaded file, in bytes (default 512 MiB). */
  maxFileBytes?: number;
  /** Keep files and batch jobs in this directory across restarts (default: in memory). */
  dataDir?: string;
  /** Batch lines processed per second per job (default: as fast as possible). */
  batchRps?: number;
  /** How much faster than real time the batch clock runs, for `timeout_hours` (default 1). */
  batchClockScale?: number;
  /** Jobs that run at the same time; the others wait `QUEUED` (default 4). */
  batchConcurrency?: number;
  /**
   * `GET /v1/batch/jobs` ignores metadata filters and lists every job that matches the other
   * filters, as an API that does not filter by metadata would; for testing clients that must
   * match metadata themselves (default false).
   */
  ignoreListMetadataFilter?: boolean;
  /**
   * Model names served besides Mistral's own (which `GET /v1/models` lists): a request naming a
   * model that is neither gets the real API's 400 `invalid_model`. Fine-tuned ids
   * (`ft:<root>:<owner>:<date>:<suffix>`) are served only when listed here.
   */
  models?: string[];
  /**
   * The body of 422 answers on chat, agents, conversations and models: `observed` (default), as the
   * real API sends it, `{"object":"error","message":{"detail":[...]},"type":...}` (the SDK throws
   * `HTTPValidationError` with `detail` empty); `fastapi`, as the OpenAPI document declares it,
   * `{"detail":[...]}` (the SDK fills `err.detail`). Files and batch use the observed body always.
   */
  errorShape?: ErrorShape;
}

/** Options with their defaults applied. */
export interface ResolvedOptions {
  port: number;
  host: string;
  allowedHosts: readonly string[] | true;
  apiKey?: string;
  ttftMs: number;
  tokenMs: number;
  seed: number;
  rps?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  maxBodyBytes: number;
  maxFileBytes: number;
  dataDir?: string;
  batchRps?: number;
  batchClockScale: number;
  batchConcurrency: number;
  batchLineFaultRate: number;
  batchJobFault?: BatchFaultKind;
  ignoreListMetadataFilter: boolean;
  models: string[];
  errorShape: ErrorShape;
}

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    allowedHosts: checkAllowedHosts(options.allowedHosts),
    apiKey: options.apiKey || undefined,
    ttftMs: Math.max(0, options.latency?.ttftMs ?? 0),
    tokenMs: Math.max(0, options.latency?.tokenMs ?? 0),
    seed: options.seed ?? 0,
    rps: options.rps && options.rps > 0 ? options.rps : undefined,
    requestsPerMinute: budget('requestsPerMinute', options.rateLimit?.requestsPerMinute),
    tokensPerMinute: budget('tokensPerMinute', options.rateLimit?.tokensPerMinute),
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    maxFileBytes: options.maxFileBytes ?? 512 * 1024 * 1024,
    dataDir: options.dataDir,
    batchRps: options.batchRps && options.batchRps > 0 ? options.batchRps : undefined,
    batchClockScale:
      options.batchClockScale && options.batchClockScale > 0 ? options.batchClockScale : 1,
    batchConcurrency: Math.max(1, options.batchConcurrency ?? 4),
    batchLineFaultRate: options.faults?.batchLineRate ?? 0,
    batchJobFault: options.faults?.batchJob,
    ignoreListMetadataFilter: options.ignoreListMetadataFilter === true,
    models: options.models ?? [],
    errorShape: checkErrorShape(options.errorShape),
  };
}

function checkAllowedHosts(value: unknown): readonly string[] | true {
  if (value === undefined) return [];
  if (value === true) return true;
  if (Array.isArray(value) && value.every((name) => typeof name === 'string')) return value;
  throw new EmulatorConfigError(
    `allowedHosts must be an array of host names or true, not ${JSON.stringify(value)}`,
  );
}

function budget(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new EmulatorConfigError(`rateLimit.${name} must be a whole number >= 1, got ${value}`);
  }
  return value;
}

function checkErrorShape(shape: string | undefined): ErrorShape {
  if (shape === undefined) return 'observed';
  if ((errorShapes as readonly string[]).includes(shape)) return shape as ErrorShape;
  throw new EmulatorConfigError(
    `errorShape must be ${errorShapes.join(' or ')}, got ${JSON.stringify(shape)}`,
  );
}
