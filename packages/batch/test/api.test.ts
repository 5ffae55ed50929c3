import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { Mistral } from '@mistralai/mistralai';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchInputError,
  progressStatus,
  readBatchInput,
  runBatch,
  writeBatchFile,
  type BatchRequest,
} from '../src/index.js';

const model = 'mistral-small-latest';
const fastPoll = { initialMs: 20, maxMs: 100, multiplier: 1.5 };
let emulator: Emulator;
let client: Mistral;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-batch-api-'));
  emulator = await startEmulator({ batchRps: 2000 });
  client = new Mistral({ serverURL: emulator.url });
});
afterEach(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const requests = (n: number): BatchRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    customId: `req-${i}`,
    body: { messages: [{ role: 'user', content: `Name colour ${i}.` }], max_tokens: 20 },
  }));

/** The part of a chat completion body the caller reads, in wire format. */
interface ChatBody {
  choices: Array<{ message: { content: string } }>;
}

describe('batch progress', () => {
  it('has a status from the first value on: NOT_CREATED before the job exists', async () => {
    const run = runBatch({
      client,
      model,
      requests: requests(20),
      store: new MemoryStore(),
      workDir: dir,
      poll: fastPoll,
    });
    const all = lastValueFrom(run.progress$.pipe(toArray()));
    await run.done;
    const progress = await all;
    expect(progress[0]).toMatchObject({ status: 'NOT_CREATED', state: 'preparing' });
    expect(progress.every((p) => typeof p.status === 'string')).toBe(true);
    expect(progress.at(-1)?.status).toBe('SUCCESS');
    const shapes = new Set(progress.map((p) => Object.keys(p).sort().join(',')));
    expect(shapes.size).toBe(1);
  });

  it('summarises several jobs by the least advanced one', () => {
    expect(progressStatus([])).toBe('NOT_CREATED');
    expect(progressStatus(['RUNNING', undefined])).toBe('NOT_CREATED');
    expect(progressStatus(['SUCCESS', 'RUNNING', 'QUEUED'])).toBe('QUEUED');
    expect(progressStatus(['SUCCESS', 'SUCCESS'])).toBe('SUCCESS');
    expect(progressStatus(['SUCCESS', 'FAILED'])).toBe('FAILED');
  });
});

describe('readBatchInput', () => {
  it('reads an input file back as requests that runBatch runs, with typed result bodies', async () => {
    const path = join(dir, 'input.jsonl');
    await writeBatchFile(requests(5), path);
    const read: BatchRequest[] = [];
    for await (const request of readBatchInput(path)) read.push(request);
    expect(read).toEqual(requests(5));

    const run = runBatch<ChatBody>({
      client,
      model,
      requests: readBatchInput(path),
      store: new MemoryStore(),
      workDir: dir,
      poll: fastPoll,
    });
    const outcome = await run.done;
    expect(outcome.status).toBe('succeeded');
    const result = outcome.results!.get('req-3')!;
    // The success body has the caller's type: no cast needed to read the answer.
    expect(result.ok && result.body.choices[0]!.message.content.length).toBeGreaterThan(0);
  });

  it('names the line of an input that is not a request, and nothing is uploaded', async () => {
    const path = join(dir, 'broken.jsonl');
    writeFileSync(
      path,
      '{"custom_id":"a","body":{"messages":[{"role":"user","content":"x"}]}}\r\n' +
        '{"custom_id":"b"}\n',
    );
    const read: string[] = [];
    const error = await (async () => {
      for await (const request of readBatchInput(path)) read.push(request.customId);
    })().catch((e: unknown) => e);
    expect(read).toEqual(['a']);
    expect(BatchInputError.isInstance(error)).toBe(true);
    expect((error as BatchInputError).problems).toEqual([
      { index: 1, customId: 'b', message: 'line 2: no body object' },
    ]);

    const outcome = await runBatch({
      client,
      model,
      requests: readBatchInput(path),
      store: new MemoryStore(),
      workDir: dir,
      poll: fastPoll,
    }).done;
    expect(outcome.status).toBe('failed');
    expect(BatchInputError.isInstance(outcome.error)).toBe(true);
    expect(emulator.stats().files).toBe(0);
  });
});
