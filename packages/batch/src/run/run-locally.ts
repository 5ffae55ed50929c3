import {
  classifyError,
  InvalidArgumentError,
  mapConcurrent,
  type RateLimiter,
} from '@mistral-flows/core';
import type { Mistral } from '@mistralai/mistralai';
import { BatchError, BatchInputError } from '../errors.js';
import {
  customIdOf,
  requestProblem,
  type BatchEndpoint,
  type BatchRequestInput,
} from '../jsonl/batch-request.js';
import type { BatchResult } from '../jsonl/read-batch-results.js';
import { buildOutcome, type BatchOutcome } from './outcome.js';

export interface RunLocallyOptions {
  client: Mistral;
  /** Default `/v1/chat/completions`; `/v1/agents/completions` needs `agentId`. */
  endpoint?: BatchEndpoint;
  model?: string;
  agentId?: string;
  /** Calls in flight (default 5). */
  concurrency?: number;
  rateLimiter?: RateLimiter;
  signal?: AbortSignal;
  key?: string;
}

/**
 * Runs the same requests as `runBatch` with regular calls (`chat.complete`, `agents.complete`,
 * `embeddings.create`) at bounded concurrency, and resolves with the same `BatchOutcome` shape:
 * results by custom_id with the API's response body in its wire format, failures kept. Bad input
 * resolves a `failed` outcome whose `error` is the `BatchInputError`, before any call, as in
 * `runBatch`. For self-hosted endpoints without a Batch API and for small batches that cannot wait.
 */
export async function runLocally<TBody = unknown>(
  requests: Iterable<BatchRequestInput> | AsyncIterable<BatchRequestInput>,
  options: RunLocallyOptions,
): Promise<BatchOutcome<TBody>> {
  const endpoint = options.endpoint ?? '/v1/chat/completions';
  if (!options.client) throw new InvalidArgumentError('client', 'a Mistral client is required');
  if (endpoint === '/v1/agents/completions' && !options.agentId)
    throw new InvalidArgumentError('agentId', 'the agents endpoint needs an agentId');
  const list: BatchRequestInput[] = [];
  for await (const r of requests) list.push(r);
  const requireBodyModel = !options.model && !options.agentId;
  const problems = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const [index, request] of list.entries()) {
    const problem = requestProblem(request, endpoint, requireBodyModel);
    if (problem) problems.push({ index, ...problem });
    else if (seen.has(customIdOf(request))) {
      duplicates.add(customIdOf(request));
      problems.push({
        index,
        customId: customIdOf(request),
        message: `duplicate custom_id "${customIdOf(request)}"`,
      });
    } else seen.add(customIdOf(request));
  }
  if (list.length === 0)
    problems.push({
      index: 0,
      message: 'the request list is empty: a batch needs at least one request',
    });
  if (problems.length > 0) {
    // Reported as runBatch reports it: a failed outcome with the typed error, and nothing called.
    return (await buildOutcome({
      key: options.key ?? 'local',
      status: 'failed',
      jobs: [],
      total: 0,
      shards: [],
      failure: undefined,
      error: new BatchInputError(problems, [...duplicates]),
      resultsInMemoryLimit: Number.MAX_SAFE_INTEGER,
    })) as BatchOutcome<TBody>;
  }

  const settled = await mapConcurrent(
    list,
    async (request, { signal }) => call(options, endpoint, request.body, signal),
    {
      concurrency: options.concurrency ?? 5,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  const results = settled.map((s, i): BatchResult => {
    const customId = customIdOf(list[i]!);
    if (s.status === 'fulfilled')
      return { kind: 'result', customId, ok: true, statusCode: 200, body: s.value, line: i + 1 };
    const c = classifyError(s.reason);
    return {
      kind: 'result',
      customId,
      ok: false,
      statusCode: c.status ?? 500,
      body: {
        object: 'error',
        message: c.message,
        type: c.status && c.status < 500 ? 'invalid_request_error' : 'server_error',
        code: c.code,
      },
      error: { message: c.message, code: c.code },
      line: i + 1,
    };
  });
  const status = results.some((r) => r.ok) || results.length === 0 ? 'succeeded' : 'failed';
  const outcome = await buildOutcome({
    key: options.key ?? 'local',
    status,
    jobs: [],
    total: list.length,
    shards: [],
    failure: undefined,
    error:
      status === 'failed'
        ? new BatchError('batch_failed', `All ${results.length} requests failed`)
        : undefined,
    resultsInMemoryLimit: Number.MAX_SAFE_INTEGER,
  });
  outcome.results = new Map(results.map((r) => [r.customId, r]));
  outcome.failures = results.filter((r) => !r.ok);
  outcome.counts = {
    total: list.length,
    succeeded: results.filter((r) => r.ok).length,
    failed: results.filter((r) => !r.ok).length,
    missing: 0,
  };
  outcome.readResults = async function* () {
    yield* results;
  };
  // The bodies are the API's responses as read; `TBody` is the caller's word for them.
  return outcome as BatchOutcome<TBody>;
}

async function call(
  options: RunLocallyOptions,
  endpoint: BatchEndpoint,
  body: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const request = toCamel(body) as Record<string, unknown>;
  const requestOptions = signal ? { signal } : {};
  switch (endpoint) {
    case '/v1/chat/completions': {
      const res = await options.client.chat.complete(
        { model: options.model!, ...request } as never,
        requestOptions,
      );
      return toWire(res);
    }
    case '/v1/agents/completions': {
      const res = await options.client.agents.complete(
        { agentId: options.agentId!, ...request } as never,
        requestOptions,
      );
      return toWire(res);
    }
    case '/v1/embeddings': {
      const res = await options.client.embeddings.create(
        { model: options.model!, ...request } as never,
        requestOptions,
      );
      return toWire(res);
    }
  }
}

/** Keys whose values are user data (JSON schemas, free metadata) and keep their spelling. */
const OPAQUE = new Set(['parameters', 'schema', 'metadata', 'arguments', 'json_schema']);

/** A wire-format (snake_case) request body in the SDK's camelCase, leaving user data untouched. */
export function toCamel(value: unknown, opaque = false): unknown {
  if (opaque) return value;
  if (Array.isArray(value)) return value.map((v) => toCamel(v));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      toCamel(v, OPAQUE.has(k) && k !== 'json_schema'),
    ]),
  );
}

/** An SDK (camelCase) response back in the API's wire format, as batch output files hold it. */
export function toWire(value: unknown, opaque = false): unknown {
  if (opaque) return value;
  if (value instanceof Date) return Math.floor(value.getTime() / 1000);
  if (Array.isArray(value)) return value.map((v) => toWire(v));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [
        k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
        toWire(v, k === 'arguments' || k === 'metadata'),
      ]),
  );
}
