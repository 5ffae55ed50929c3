import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';
import { uploadJsonl } from './support/batch-input.js';
import { startTestEmulator } from './support/test-emulator.js';

describe('a 100,000-line batch', () => {
  it('completes with exact counters and a 100,000-line output file', async () => {
    const { client, emulator } = await startTestEmulator();
    const lines = Array.from({ length: 100_000 }, (_, i) =>
      JSON.stringify({
        custom_id: String(i),
        body: { messages: [{ role: 'user', content: `Question ${i} about tides` }] },
      }),
    );
    const fileId = await uploadJsonl(client, lines);
    const created = await client.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
    });
    const job = await waitFor(
      async () => {
        const current = await client.batch.jobs.get({ jobId: created.id });
        return current.status === 'RUNNING' || current.status === 'QUEUED' ? undefined : current;
      },
      { timeoutMs: 240_000, intervalMs: 100, what: 'the 100,000-line job' },
    );
    expect(job).toMatchObject({
      status: 'SUCCESS',
      totalRequests: 100_000,
      completedRequests: 100_000,
      succeededRequests: 100_000,
      failedRequests: 0,
      errorFile: null,
    });
    const output = await client.files.retrieve({ fileId: job.outputFile! });
    expect(output.numLines).toBe(100_000);
    expect(emulator.stats().jobsByStatus).toEqual({ SUCCESS: 1 });
  });
});
