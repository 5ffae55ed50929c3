import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { InvalidArgumentError } from '@mistral-flows/core';
import { BatchInputError, type BatchInputProblem } from '../errors.js';
import {
  BATCH_ENDPOINTS,
  customIdOf,
  requestProblem,
  type BatchEndpoint,
  type BatchRequestInput,
} from './batch-request.js';

export interface BatchLinesOptions {
  /** The endpoint the bodies are for (default `/v1/chat/completions`). */
  endpoint?: BatchEndpoint;
  /**
   * Every body must name its own `model` (`agent_id` for the agents endpoint): set it when the job
   * will be created without a model or agent (default false).
   */
  requireBodyModel?: boolean;
}

export interface WrittenBatchFile {
  /** The file written (when the target was a path). */
  path?: string;
  lines: number;
  bytes: number;
}

type Requests = Iterable<BatchRequestInput> | AsyncIterable<BatchRequestInput>;

/**
 * Validates requests one by one and turns each valid one into its JSONL line; collects every
 * problem (all duplicate custom_ids, every invalid body with its position) for one error at the end.
 */
class LineValidator {
  private readonly seen = new Set<string>();
  private readonly duplicates = new Set<string>();
  private readonly problems: BatchInputProblem[] = [];
  private index = 0;

  constructor(
    private readonly endpoint: BatchEndpoint,
    private readonly requireBodyModel: boolean,
  ) {}

  /** The line for `request`, or undefined when it has a problem (or an earlier one had). */
  accept(request: BatchRequestInput): string | undefined {
    const index = this.index++;
    const problem = requestProblem(request, this.endpoint, this.requireBodyModel);
    if (problem) {
      this.problems.push({ index, ...problem });
      return undefined;
    }
    const customId = customIdOf(request);
    if (this.seen.has(customId)) {
      this.duplicates.add(customId);
      this.problems.push({ index, customId, message: `duplicate custom_id "${customId}"` });
      return undefined;
    }
    this.seen.add(customId);
    return this.problems.length === 0
      ? JSON.stringify({ custom_id: customId, body: request.body })
      : undefined;
  }

  /** Throws the collected problems, or an empty-input error. */
  finish(): void {
    if (this.index === 0) {
      throw new BatchInputError(
        [{ index: 0, message: 'the request list is empty: a batch needs at least one request' }],
        [],
      );
    }
    if (this.problems.length > 0) throw new BatchInputError(this.problems, [...this.duplicates]);
  }
}

function checkRequests(requests: unknown): asserts requests is Requests {
  if (
    requests === null ||
    requests === undefined ||
    typeof requests !== 'object' ||
    !(Symbol.iterator in requests || Symbol.asyncIterator in requests)
  ) {
    throw new InvalidArgumentError(
      'requests',
      'expected an array, an iterable or an async iterable of requests',
    );
  }
}

/**
 * The JSONL lines of a batch input file (`{"custom_id":..,"body":..}`), validated as they go:
 * every `custom_id` must be a non-empty unique string and every body must fit the endpoint (and
 * name its model, with `requireBodyModel`). The
 * lines are yielded as they are read; when the input had problems, a `BatchInputError` listing
 * all of them is thrown after the last line, so a consumer must not send what it received before.
 * `writeBatchFile` does this for you.
 */
export async function* toBatchLines(
  requests: Requests,
  options: BatchLinesOptions = {},
): AsyncGenerator<string> {
  const validator = new LineValidator(
    checkEndpoint(options.endpoint),
    options.requireBodyModel === true,
  );
  checkRequests(requests);
  for await (const request of requests) {
    const line = validator.accept(request);
    if (line !== undefined) yield line;
  }
  validator.finish();
}

/**
 * Writes a batch input file, streaming: lines are validated and written as they come, in 64 KiB
 * chunks, with back-pressure. A path target is written to a temporary file and renamed at the end,
 * so a file at `target` is always complete; on invalid input nothing is left behind and a
 * `BatchInputError` lists every problem.
 */
export async function writeBatchFile(
  requests: Requests,
  target: string | Writable,
  options: BatchLinesOptions = {},
): Promise<WrittenBatchFile> {
  const path = typeof target === 'string' ? target : undefined;
  const tmp = path ? `${path}.${process.pid}.${Date.now()}.tmp` : undefined;
  const out = tmp ? createWriteStream(tmp) : (target as Writable);
  let lines = 0;
  let bytes = 0;
  let buffer = '';
  const flush = async () => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  const validator = new LineValidator(
    checkEndpoint(options.endpoint),
    options.requireBodyModel === true,
  );
  checkRequests(requests);
  const add = (request: BatchRequestInput) => {
    const line = validator.accept(request);
    if (line === undefined) return false;
    buffer += line + '\n';
    lines++;
    return buffer.length >= 65_536;
  };
  try {
    // Synchronous inputs are read without a promise per request; only a full buffer waits.
    if (Symbol.iterator in requests) {
      for (const request of requests) if (add(request)) await flush();
    } else {
      for await (const request of requests) if (add(request)) await flush();
    }
    validator.finish();
    await flush();
    if (tmp && path) {
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      await rename(tmp, path);
    }
  } catch (error) {
    if (tmp) {
      out.destroy();
      await rm(tmp, { force: true });
    }
    throw error;
  }
  return path ? { path, lines, bytes } : { lines, bytes };
}

function checkEndpoint(endpoint: BatchEndpoint | undefined): BatchEndpoint {
  const value = endpoint ?? '/v1/chat/completions';
  if (!BATCH_ENDPOINTS.includes(value)) {
    throw new InvalidArgumentError(
      'endpoint',
      `expected one of ${BATCH_ENDPOINTS.join(', ')}, got ${String(value)}`,
    );
  }
  return value;
}
