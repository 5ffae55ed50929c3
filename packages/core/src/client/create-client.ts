import { Mistral } from '@mistralai/mistralai';
import type { RateLimiter } from '../concurrency/rate-limiter.js';
import { ConfigError } from '../errors/config-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { registerSecret } from '../redact/redact.js';
import { clientHttp } from './client-http.js';
import { installFastWire } from './fast-wire.js';

/** How the client talks to the API: through the official SDK, or the fast wire for hot calls. */
export type ClientWire = 'sdk' | 'fast';
const WIRES: readonly ClientWire[] = ['sdk', 'fast'];

export interface ClientRetryOptions {
  /** First delay (default 500 ms). */
  initialDelayMs?: number;
  /** Longest delay (default 30 s); also caps a server's `Retry-After`. */
  maxDelayMs?: number;
  /** Growth factor (default 1.5). */
  multiplier?: number;
  /** Give up once this much time has passed (default 5 min). */
  maxElapsedMs?: number;
}

export interface CreateClientOptions {
  /** API key; defaults to `MISTRAL_API_KEY`. May be omitted when `serverURL` is an emulator. */
  apiKey?: string;
  /** Base URL of the API, an emulator or a gateway; defaults to `MISTRAL_SERVER_URL`, else Mistral's. */
  serverURL?: string;
  /** Per-request timeout in milliseconds, stream bodies included (SDK default 300 s). */
  timeoutMs?: number;
  /**
   * Retries done by the SDK itself on 429/5xx and connection errors, honouring `Retry-After`.
   * Off by default: the packages retry at their own level (streams, machines, workers), where a
   * retry can be observed and aborted. `true` uses the defaults above.
   */
  retry?: boolean | ClientRetryOptions;
  /** Where to read the variables from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /**
   * A limiter to keep informed: every response's rate-limit headers (`x-ratelimit-*`) and every
   * 429's `Retry-After` go to `rateLimiter.observe`, so that callers who `acquire()` from it slow
   * down before the API refuses them. The client does not acquire by itself.
   */
  rateLimiter?: RateLimiter;
  /**
   * `'sdk'` (default): every call goes through the official SDK. `'fast'`: `chat.complete`,
   * `chat.stream`, `agents.complete` and `agents.stream` are served with `fetch`, `JSON.parse`
   * and hand-written checks instead of the SDK's zod schemas and request pipeline, for a fraction
   * of the client CPU; the request sent, the result (the events of a stream) and the errors
   * thrown (same classes, same messages) are the SDK's own. Every other method, and any call the
   * fast path does not handle (SDK `retry` set on this client, per-call options other than
   * `signal`, `timeoutMs` and `headers`, content chunks, tools other than functions,
   * `prediction`, `guardrails`, SDK tracing), goes through the SDK unchanged.
   */
  wire?: ClientWire;
}

/**
 * Builds the official `Mistral` client that every mistral-flows package takes as a parameter.
 * With no options it reads `MISTRAL_API_KEY` and `MISTRAL_SERVER_URL`; `serverURL` points it at
 * the emulator or a self-hosted gateway. The API key is registered with `redact`, so it never
 * appears in our errors, logs or persisted data. `wire: 'fast'` serves `chat.complete`,
 * `chat.stream`, `agents.complete` and `agents.stream` without the SDK's validation layer, with
 * the same requests, results and errors.
 *
 * @example
 * const client = createClient({ serverURL: emulator.url }); // or createClient() with MISTRAL_API_KEY
 * const res = await client.chat.complete({ model: 'mistral-small-latest', messages });
 */
export function createClient(options: CreateClientOptions = {}): Mistral {
  const env = options.env ?? process.env;
  const apiKey = nonEmpty(options.apiKey) ?? nonEmpty(env.MISTRAL_API_KEY);
  const serverURL = nonEmpty(options.serverURL) ?? nonEmpty(env.MISTRAL_SERVER_URL);
  if (apiKey === undefined && serverURL === undefined) {
    throw new ConfigError(
      'config_missing',
      'No Mistral API key and no server URL: set MISTRAL_API_KEY (or pass apiKey) for the real API, ' +
        'or MISTRAL_SERVER_URL (or pass serverURL) for the emulator or a gateway.',
    );
  }
  if (serverURL !== undefined) {
    let url: URL;
    try {
      url = new URL(serverURL);
    } catch {
      throw new ConfigError('config_invalid', `serverURL is not a valid URL: "${serverURL}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError('config_invalid', `serverURL must be http(s), got ${url.protocol}`);
    }
  }
  const { timeoutMs } = options;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new InvalidArgumentError(
      'timeoutMs',
      `expected a positive number, got ${String(timeoutMs)}`,
    );
  }
  const wire = options.wire ?? 'sdk';
  if (!WIRES.includes(wire)) {
    throw new InvalidArgumentError('wire', `expected 'sdk' or 'fast', got ${String(wire)}`);
  }
  registerSecret(apiKey);
  const client = new Mistral({
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(serverURL !== undefined ? { serverURL } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    httpClient: clientHttp(options.rateLimiter),
    retryConfig: retryConfig(options.retry),
  });
  if (wire === 'fast') installFastWire(client, options.rateLimiter);
  return client;
}

function retryConfig(retry: CreateClientOptions['retry']) {
  if (!retry) return { strategy: 'none' as const };
  const o = retry === true ? {} : retry;
  return {
    strategy: 'backoff' as const,
    backoff: {
      initialInterval: o.initialDelayMs ?? 500,
      maxInterval: o.maxDelayMs ?? 30_000,
      exponent: o.multiplier ?? 1.5,
      maxElapsedTime: o.maxElapsedMs ?? 300_000,
    },
    retryConnectionErrors: true,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
