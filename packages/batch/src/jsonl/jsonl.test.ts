import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchInputError } from '../errors.js';
import { readBatchResults, type BatchResultLine } from './read-batch-results.js';
import { toBatchLines, writeBatchFile } from './write-batch-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ask = (customId: string, content = 'Hello') => ({
  customId,
  body: { messages: [{ role: 'user', content }], max_tokens: 10 },
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

describe('writeBatchFile', () => {
  it('writes one {custom_id, body} line per request and reports lines and bytes', async () => {
    const path = join(dir, 'ok.jsonl');
    const written = await writeBatchFile(
      [ask('a'), { custom_id: 'b', body: { messages: [{ role: 'user', content: 'Hi' }] } }],
      path,
    );
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')).toEqual([
      '{"custom_id":"a","body":{"messages":[{"role":"user","content":"Hello"}],"max_tokens":10}}',
      '{"custom_id":"b","body":{"messages":[{"role":"user","content":"Hi"}]}}',
      '',
    ]);
    expect(written).toEqual({ path, lines: 2, bytes: Buffer.byteLength(text) });
  });

  it('lists every duplicate custom_id and every invalid body, and leaves no file behind', async () => {
    const path = join(dir, 'bad.jsonl');
    const error = await writeBatchFile(
      [
        ask('x'),
        ask('x'),
        ask('y'),
        ask('y'),
        ask('y'),
        { customId: 'z', body: { messages: [{ role: 'user', content: 'Hi' }], temprature: 0.2 } },
        { customId: '', body: { messages: [] } },
        { customId: 'w', body: { messages: [] } },
      ],
      path,
    ).catch((e: unknown) => e);
    expect(BatchInputError.isInstance(error)).toBe(true);
    const e = error as BatchInputError;
    expect(e.code).toBe('batch_input_invalid');
    expect(e.duplicates.sort()).toEqual(['x', 'y']);
    expect(e.problems.map((p) => p.index)).toEqual([1, 3, 4, 5, 6, 7]);
    expect(e.problems[3]!.message).toMatch(/unknown field\(s\) "temprature"/);
    expect(e.problems[4]!.message).toMatch(/customId must be a non-empty string/);
    expect(e.problems[5]).toMatchObject({
      customId: 'w',
      message: expect.stringContaining('body.messages'),
    });
    expect(readdirSync(dir).filter((f) => f.startsWith('bad.jsonl'))).toEqual([]);
  });

  it('refuses an empty request list', async () => {
    await expect(writeBatchFile([], join(dir, 'empty.jsonl'))).rejects.toMatchObject({
      code: 'batch_input_invalid',
      problems: [expect.objectContaining({ message: expect.stringContaining('empty') })],
    });
  });

  it('validates bodies per endpoint', async () => {
    const lines = await collect(
      toBatchLines([{ customId: 'e', body: { input: ['a', 'b'] } }], {
        endpoint: '/v1/embeddings',
      }),
    );
    expect(lines).toEqual(['{"custom_id":"e","body":{"input":["a","b"]}}']);
    await expect(
      collect(toBatchLines([ask('m')], { endpoint: '/v1/embeddings' })),
    ).rejects.toMatchObject({ code: 'batch_input_invalid' });
    await expect(
      collect(toBatchLines([ask('m')], { endpoint: '/v1/nope' as never })),
    ).rejects.toMatchObject({ argument: 'endpoint' });
  });

  it('streams to a writable, with back-pressure', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const written = await writeBatchFile(
      (function* () {
        for (let i = 0; i < 5_000; i++) yield ask(`id-${i}`, 'x'.repeat(50));
      })(),
      out,
    );
    expect(written.lines).toBe(5_000);
    expect(Buffer.concat(chunks).toString().split('\n')).toHaveLength(5_001);
  });
});

describe('readBatchResults', () => {
  const output = (id: string, status = 200) =>
    JSON.stringify({
      id: `b-${id}`,
      custom_id: id,
      response: { status_code: status, body: { choices: [] } },
      error: null,
    });

  it('yields typed results in order with line numbers', async () => {
    const path = join(dir, 'out.jsonl');
    const errorLine = JSON.stringify({
      custom_id: 'c',
      response: { status_code: 400, body: { message: 'bad' } },
      error: { message: 'Line 3 is bad', code: 'invalid' },
    });
    writeFileSync(path, `${output('a')}\n${output('b')}\n${errorLine}\n`);
    const lines = await collect(readBatchResults(path));
    expect(lines).toEqual([
      { kind: 'result', customId: 'a', ok: true, statusCode: 200, body: { choices: [] }, line: 1 },
      { kind: 'result', customId: 'b', ok: true, statusCode: 200, body: { choices: [] }, line: 2 },
      {
        kind: 'result',
        customId: 'c',
        ok: false,
        statusCode: 400,
        body: { message: 'bad' },
        error: { message: 'Line 3 is bad', code: 'invalid' },
        line: 3,
      },
    ]);
  });

  it('reports malformed lines and a truncated last line by number, and keeps reading', async () => {
    const text = `${output('a')}\nnot json\n\n{"response":{}}\n${output('b')}\n${output('c').slice(0, 25)}`;
    const lines: BatchResultLine[] = await collect(
      readBatchResults([Buffer.from(text.slice(0, 40)), Buffer.from(text.slice(40))]),
    );
    expect(
      lines.map((l) => (l.kind === 'result' ? `${l.line}:${l.customId}` : `${l.line}:malformed`)),
    ).toEqual(['1:a', '2:malformed', '4:malformed', '5:b', '6:malformed']);
    expect(lines[4]).toMatchObject({ reason: expect.stringContaining('cut short') });
    expect(lines[2]).toMatchObject({ reason: 'no custom_id' });
  });

  it('reports a line with a custom_id but neither a response nor an error as malformed', async () => {
    const text = [
      output('a'),
      JSON.stringify({ custom_id: 'empty' }),
      JSON.stringify({ id: 'b-nulls', custom_id: 'nulls', response: null, error: null }),
      JSON.stringify({ custom_id: 'text', response: 'fine', error: null }),
      output('b'),
    ].join('\n');
    const lines = await collect(readBatchResults([text]));
    expect(
      lines.map((l) => (l.kind === 'result' ? `${l.line}:${l.customId}` : `${l.line}:malformed`)),
    ).toEqual(['1:a', '2:malformed', '3:malformed', '4:malformed', '5:b']);
    expect(lines[1]).toEqual({
      kind: 'malformed',
      line: 2,
      raw: '{"custom_id":"empty"}',
      reason: 'neither a response nor an error for custom_id "empty"',
    });
    expect(lines[2]).toMatchObject({ reason: expect.stringContaining('neither a response') });
    expect(lines[3]).toMatchObject({ reason: 'the response is not a JSON object' });
  });

  it('reads web ReadableStreams (what files.download returns), splitting multi-byte characters safely', async () => {
    const text = `${JSON.stringify({ custom_id: 'é', response: { status_code: 200, body: 'ünïcødé ✓' }, error: null })}\n`;
    const bytes = Buffer.from(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.subarray(i, i + 3));
        controller.close();
      },
    });
    const [line] = await collect(readBatchResults(stream));
    expect(line).toMatchObject({ customId: 'é', body: 'ünïcødé ✓' });
  });

  it('refuses a source that is not bytes', async () => {
    await expect(collect(readBatchResults(42 as never))).rejects.toMatchObject({
      argument: 'source',
    });
  });
});
