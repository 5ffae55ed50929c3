import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { Mistral } from '@mistralai/mistralai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchError,
  BatchInputError,
  runBatch,
  runLocally,
  type BatchRequestInput,
} from '../src/index.js';

const poll = { initialMs: 10, maxMs: 50, multiplier: 1.5 };
let emulator: Emulator;
let client: Mistral;
let workDir: string;

beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'mf-batch-input-'));
  emulator = await startEmulator({});
  client = new Mistral({ serverURL: emulator.url });
});
afterEach(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

const ask = (customId: string, extra: Record<string, unknown> = {}): BatchRequestInput => ({
  customId,
  body: { messages: [{ role: 'user', content: `Summarize ${customId}.` }], ...extra },
});

/** Nothing reached the platform: no upload, no job. */
function expectNothingSent() {
  const stats = emulator.stats();
  expect(stats.requests['POST /v1/files'] ?? 0).toBe(0);
  expect(stats.requests['POST /v1/batch/jobs'] ?? 0).toBe(0);
  expect(stats.jobsCreated).toBe(0);
}

describe('runBatch with bad input', () => {
  it('resolves a failed outcome carrying the BatchInputError with every problem, and sends nothing', async () => {
    const outcome = await runBatch({
      client,
      model: 'mistral-small-latest',
      store: new MemoryStore(),
      workDir,
      poll,
      inlineMaxRequests: 0,
      requests: [ask('a'), ask('a'), ask('b', { temprature: 0.2 }), ask('c')],
    }).done;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBeInstanceOf(BatchInputError);
    const error = outcome.error as BatchInputError;
    expect(error.code).toBe('batch_input_invalid');
    expect(error.duplicates).toEqual(['a']);
    expect(error.problems).toEqual([
      { index: 1, customId: 'a', message: 'duplicate custom_id "a"' },
      {
        index: 2,
        customId: 'b',
        message: expect.stringContaining('unknown field(s) "temprature"') as string,
      },
    ]);
    expect(outcome.counts).toEqual({ total: 0, succeeded: 0, failed: 0, missing: 0 });
    expectNothingSent();
    expect(readdirSync(workDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  });

  it('refuses requests without a model when the batch has neither model nor agentId, before any upload', async () => {
    const outcome = await runBatch({
      client,
      store: new MemoryStore(),
      workDir,
      poll,
      inlineMaxRequests: 0,
      requests: [ask('a'), ask('b', { model: 'mistral-small-latest' }), ask('c')],
    }).done;
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBeInstanceOf(BatchInputError);
    expect((outcome.error as BatchInputError).problems).toEqual([
      {
        index: 0,
        customId: 'a',
        message: expect.stringMatching(/body\.model is required/) as string,
      },
      {
        index: 2,
        customId: 'c',
        message: expect.stringMatching(/body\.model is required/) as string,
      },
    ]);
    expectNothingSent();
  });

  it('runs requests that each name their model when the batch has none', async () => {
    const outcome = await runBatch({
      client,
      store: new MemoryStore(),
      workDir,
      poll,
      inlineMaxRequests: 0,
      requests: [
        ask('a', { model: 'mistral-small-latest' }),
        ask('b', { model: 'mistral-small-latest' }),
      ],
    }).done;
    expect(outcome.status).toBe('succeeded');
    expect(outcome.error).toBeUndefined();
    expect(outcome.counts).toEqual({ total: 2, succeeded: 2, failed: 0, missing: 0 });
  });

  it('reports the other failures the same way: a failed outcome with a typed error', async () => {
    const outcome = await runBatch({
      client,
      model: 'mistral-small-latest',
      store: new MemoryStore(),
      workDir,
      poll,
      requests: [ask('a'), ask('b')],
      metadata: { emulator_fault: 'fail' },
    }).done;
    expect(outcome.status).toBe('failed');
    expect(BatchError.isInstance(outcome.error)).toBe(true);
    expect(outcome.error).toMatchObject({ code: 'batch_failed' });
    expect(outcome.error!.message).toContain('job_failed');
  });

  it('runLocally reports bad input the same way, before any call', async () => {
    const outcome = await runLocally([ask('a'), ask('a'), ask('b')], { client });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBeInstanceOf(BatchInputError);
    expect((outcome.error as BatchInputError).problems.map((p) => [p.index, p.customId])).toEqual([
      [0, 'a'],
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(emulator.stats().modelCalls.total).toBe(0);
  });
});
