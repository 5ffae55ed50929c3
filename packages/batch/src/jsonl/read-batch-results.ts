import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { InvalidArgumentError } from '@mistral-flows/core';

/** One line of a batch output or error file, joined to its request by `customId`. */
interface BatchResultBase {
  kind: 'result';
  customId: string;
  /** The HTTP status of the request. */
  statusCode: number;
  /** 1-based line number in the file it was read from. */
  line: number;
}

/**
 * The result of one request, joined to its `custom_id`: a success (`ok: true`, a 2xx) whose `body`
 * is the endpoint's response, or a failure with its `error` (and the error body, if any).
 * `TBody` types the success bodies as the caller knows them (a chat completion, embeddings, ...);
 * it is not checked at run time.
 */
export type BatchResult<TBody = unknown> =
  | (BatchResultBase & { ok: true; body: TBody; error?: undefined })
  | (BatchResultBase & { ok: false; body: unknown; error: { message: string; code?: string } });

/**
 * A line that could not be read: not JSON, cut short, without a custom_id, or with neither a
 * response nor an error.
 */
export interface MalformedLine {
  kind: 'malformed';
  line: number;
  /** The line as it was (at most 1,000 characters). */
  raw: string;
  reason: string;
}

export type BatchResultLine<TBody = unknown> = BatchResult<TBody> | MalformedLine;

export type ByteSource =
  | string
  | Readable
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

/**
 * Reads a batch output or error file as it streams (a path, a Node stream, the `ReadableStream`
 * that `client.files.download` returns, or any async iterable of bytes), yielding one typed result
 * per line in order. Lines that are not JSON, lack a custom_id, carry neither a response nor an
 * error, or were cut short (a truncated last line) are yielded as `malformed` with their line number and do not stop the rest. Memory stays
 * flat however large the file.
 *
 * @example
 * for await (const r of readBatchResults(await client.files.download({ fileId }))) {
 *   if (r.kind === 'result') results.set(r.customId, r);
 * }
 */
export async function* readBatchResults<TBody = unknown>(
  source: ByteSource,
): AsyncGenerator<BatchResultLine<TBody>> {
  for await (const batch of jsonLines(source)) {
    for (const { text, line, last } of batch) yield parseLine<TBody>(text, line, last);
  }
}

/** One non-empty line of a JSONL file, with its 1-based number. */
export interface JsonLine {
  text: string;
  line: number;
  /** The file's last line, not ended by a newline (so possibly cut short). */
  last: boolean;
}

/**
 * The non-empty lines of a JSONL source as it streams, in order, a chunk's worth at a time (one
 * array per chunk read, so that the cost of an async step is paid per chunk, not per line).
 * `\r\n` line ends are accepted.
 */
export async function* jsonLines(source: ByteSource): AsyncGenerator<JsonLine[]> {
  const decoder = new TextDecoder();
  let pending = '';
  let line = 0;
  for await (const chunk of chunks(source)) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const batch: JsonLine[] = [];
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      line++;
      const text =
        pending.charCodeAt(nl - 1) === 13 ? pending.slice(start, nl - 1) : pending.slice(start, nl);
      start = nl + 1;
      if (text.length > 0) batch.push({ text, line, last: false });
    }
    pending = start === 0 ? pending : pending.slice(start);
    if (batch.length > 0) yield batch;
  }
  pending += decoder.decode();
  if (pending.trim().length > 0) yield [{ text: pending, line: line + 1, last: true }];
}

/** Parses one line of an output or error file. */
export function parseLine<TBody = unknown>(
  text: string,
  line: number,
  last = false,
): BatchResultLine<TBody> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = last
      ? `the last line is cut short or not JSON (${(error as Error).message})`
      : `not JSON (${(error as Error).message})`;
    return malformed(text, line, reason);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return malformed(text, line, 'not a JSON object');
  const record = value as Record<string, unknown>;
  const customId = record.custom_id;
  if (typeof customId !== 'string' || customId === '') return malformed(text, line, 'no custom_id');
  const hasResponse = record.response !== undefined && record.response !== null;
  const hasError = record.error !== undefined && record.error !== null;
  // A line that says nothing about its request is not a success: it is reported, not guessed.
  if (!hasResponse && !hasError)
    return malformed(text, line, `neither a response nor an error for custom_id "${customId}"`);
  if (hasResponse && (typeof record.response !== 'object' || Array.isArray(record.response)))
    return malformed(text, line, 'the response is not a JSON object');
  const response = (record.response ?? {}) as { status_code?: unknown; body?: unknown };
  const errorField = record.error as { message?: unknown; code?: unknown } | null | undefined;
  const statusCode =
    typeof response.status_code === 'number' ? response.status_code : errorField ? 500 : 200;
  const ok = statusCode >= 200 && statusCode < 300 && !errorField;
  const body: unknown = response.body ?? null;
  if (ok) return { kind: 'result', customId, ok, statusCode, body: body as TBody, line };
  const message =
    typeof errorField?.message === 'string'
      ? errorField.message
      : (errorMessage(response.body) ?? `HTTP ${statusCode}`);
  const error =
    typeof errorField?.code === 'string' || typeof errorField?.code === 'number'
      ? { message, code: String(errorField.code) }
      : { message };
  return { kind: 'result', customId, ok, statusCode, body, error, line };
}

function errorMessage(body: unknown): string | undefined {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}

function malformed(text: string, line: number, reason: string): MalformedLine {
  return {
    kind: 'malformed',
    line,
    raw: text.length > 1000 ? `${text.slice(0, 1000)}…` : text,
    reason,
  };
}

async function* chunks(source: ByteSource): AsyncGenerator<Uint8Array | string> {
  if (typeof source === 'string') {
    yield* createReadStream(source, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>;
    return;
  }
  if (
    typeof source === 'object' &&
    source !== null &&
    typeof (source as ReadableStream<Uint8Array>).getReader === 'function'
  ) {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  if (
    typeof source === 'object' &&
    source !== null &&
    (Symbol.asyncIterator in source || Symbol.iterator in source)
  ) {
    yield* source as AsyncIterable<Uint8Array | string>;
    return;
  }
  throw new InvalidArgumentError('source', 'expected a path, a stream or an iterable of bytes');
}
