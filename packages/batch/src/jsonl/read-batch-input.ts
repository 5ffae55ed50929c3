import { BatchInputError } from '../errors.js';
import type { BatchRequest } from './batch-request.js';
import { jsonLines, type ByteSource } from './read-batch-results.js';

/**
 * Reads an existing batch input file (JSONL, one `{"custom_id": ..., "body": {...}}` per line, as
 * `writeBatchFile` writes it and the API takes it) as requests, in order, streaming: a path, a
 * Node stream, a web `ReadableStream` or any (async) iterable of bytes. Hand them to
 * `runBatch({ requests })`, which validates the bodies. A line that is not such a request stops
 * the read with a `BatchInputError` naming the line.
 *
 * @example
 * const run = runBatch({ client, store, model, requests: readBatchInput('input.jsonl') });
 */
export async function* readBatchInput(source: ByteSource): AsyncGenerator<BatchRequest> {
  let index = 0;
  for await (const batch of jsonLines(source)) {
    for (const { text, line } of batch) {
      yield toRequest(text, line, index);
      index++;
    }
  }
}

function toRequest(text: string, line: number, index: number): BatchRequest {
  const fail = (message: string, customId?: string): never => {
    throw new BatchInputError(
      [
        {
          index,
          ...(customId !== undefined ? { customId } : {}),
          message: `line ${line}: ${message}`,
        },
      ],
      [],
    );
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not a JSON object');
  }
  const { custom_id: customId, body } = value as { custom_id?: unknown; body?: unknown };
  if (typeof customId !== 'string' || customId === '') return fail('no custom_id');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail('no body object', customId);
  }
  return { customId, body: body as Record<string, unknown> };
}
