import type { ApiEndpoint, BatchJob } from '@mistralai/mistralai/models/components';
import { SDKError } from '@mistralai/mistralai/models/errors';
import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/parse-args.js';
import { chatLine, chatLines, streamText, uploadJsonl } from './support/batch-input.js';
import { openApiValidator } from './support/openapi-validator.js';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';
// The SDK's endpoint enum is open but its type lists only the published values.
const agentsEndpoint = '/v1/agents/completions' as unknown as ApiEndpoint;
const done = new Set(['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED']);

type Client = Awaited<ReturnType<typeof startTestEmulator>>['client'];

async function finished(client: Client, jobId: string, timeoutMs = 20_000): Promise<BatchJob> {
  return waitFor(
    async () => {
      const job = await client.batch.jobs.get({ jobId });
      return done.has(job.status) ? job : undefined;
    },
    { timeoutMs, intervalMs: 20, what: `batch job ${jobId} to finish` },
  );
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('/v1/batch/jobs', () => {
  it('runs a 21-line batch with one invalid line: SUCCESS, 20 output lines and an error file naming the bad line', async () => {
    const { client, emulator, checkResponses } = await startTestEmulator();
    const lines = chatLines(21);
    lines[7] = chatLine('7', 'An invalid body', { temperatur: 0.5 });
    const fileId = await uploadJsonl(client, lines);
    const created = await client.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
      model,
      metadata: { job_type: 'testing' },
    });
    expect(created).toMatchObject({
      object: 'batch',
      status: 'QUEUED',
      inputFiles: [fileId],
      errors: [],
      completedRequests: 0,
    });
    expect(Number.isInteger(created.createdAt)).toBe(true);

    const job = await finished(client, created.id);
    expect(job).toMatchObject({
      status: 'SUCCESS',
      totalRequests: 21,
      completedRequests: 21,
      succeededRequests: 20,
      failedRequests: 1,
    });
    expect(job.startedAt).toBeGreaterThanOrEqual(job.createdAt);
    expect(job.completedAt).toBeGreaterThanOrEqual(job.startedAt!);

    const output = jsonLines(
      await streamText(await client.files.download({ fileId: job.outputFile! })),
    );
    expect(output).toHaveLength(20);
    const prefix = created.id.replace(/-/g, '').slice(0, 8);
    for (const line of output) {
      expect(Object.keys(line).sort()).toEqual(['custom_id', 'error', 'id', 'response']);
      expect(line.id).toMatch(new RegExp(`^batch-${prefix}-\\d+-[0-9a-f-]{36}$`));
      expect(line.error).toBeNull();
      const response = line.response as { status_code: number; body: unknown };
      expect(response.status_code).toBe(200);
      expect(openApiValidator().validateComponent('ChatCompletionResponse', response.body)).toEqual(
        [],
      );
    }
    expect(output.map((l) => l.custom_id)).toEqual(
      lines.map((_, i) => String(i)).filter((id) => id !== '7'),
    );
    const outputFile = await client.files.retrieve({ fileId: job.outputFile! });
    expect(outputFile).toMatchObject({
      sampleType: 'batch_result',
      source: 'mistral',
      purpose: 'batch',
      numLines: 20,
    });

    const errors = jsonLines(
      await streamText(await client.files.download({ fileId: job.errorFile! })),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      custom_id: '7',
      line: 8,
      response: { status_code: 422 },
      error: { code: 'invalid_body', message: expect.stringContaining('Line 8') },
    });
    expect((errors[0]!.error as { message: string }).message).toContain('temperatur');

    const stats = emulator.stats();
    expect(stats.jobsCreated).toBe(1);
    expect(stats.jobsByStatus).toEqual({ SUCCESS: 1 });
    expect(stats.jobsByMetadata).toEqual({ job_type: { testing: 1 } });
    expect(stats.files).toBe(3);
    await checkResponses();
  });

  it('sends lines that are not JSON or lack custom_id to the error file', async () => {
    const { client } = await startTestEmulator();
    const fileId = await uploadJsonl(client, [
      chatLine('a', 'First question about rivers'),
      'this is not json',
      JSON.stringify({ body: { messages: [{ role: 'user', content: 'no id' }] } }),
      '',
      JSON.stringify({ custom_id: 'd' }),
    ]);
    const job = await finished(
      client,
      (
        await client.batch.jobs.create({
          inputFiles: [fileId],
          endpoint: '/v1/chat/completions',
          model,
        })
      ).id,
    );
    expect(job).toMatchObject({
      status: 'SUCCESS',
      totalRequests: 4,
      succeededRequests: 1,
      failedRequests: 3,
    });
    const errors = jsonLines(
      await streamText(await client.files.download({ fileId: job.errorFile! })),
    );
    expect(errors.map((e) => [e.line, e.custom_id, (e.error as { code: string }).code])).toEqual([
      [2, null, 'invalid_json'],
      [3, null, 'missing_custom_id'],
      [5, 'd', 'missing_body'],
    ]);
  });

  it('cancels a 5,000-line job: CANCELLATION_REQUESTED, then CANCELLED with partial results', async () => {
    const { client } = await startTestEmulator({ batchRps: 500 });
    const fileId = await uploadJsonl(client, chatLines(5000));
    const created = await client.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
      model,
    });
    await waitFor(
      async () => (await client.batch.jobs.get({ jobId: created.id })).completedRequests > 0,
      { what: 'progress' },
    );
    const cancelling = await client.batch.jobs.cancel({ jobId: created.id });
    expect(['CANCELLATION_REQUESTED', 'CANCELLED']).toContain(cancelling.status);
    const job = await finished(client, created.id);
    expect(job.status).toBe('CANCELLED');
    expect(job.totalRequests).toBe(5000);
    expect(job.completedRequests).toBeLessThan(5000);
    const output = await streamText(await client.files.download({ fileId: job.outputFile! }));
    expect(output.trim().split('\n')).toHaveLength(job.succeededRequests);
  });

  it('shows live counters while running and honours batchRps', async () => {
    const { client } = await startTestEmulator({ batchRps: 100 });
    const fileId = await uploadJsonl(client, chatLines(60));
    const created = await client.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
      model,
    });
    const running = await waitFor(
      async () => {
        const job = await client.batch.jobs.get({ jobId: created.id });
        return job.status === 'RUNNING' && job.completedRequests > 0 && job.completedRequests < 60
          ? job
          : undefined;
      },
      { what: 'a running job with partial progress' },
    );
    expect(running.totalRequests).toBe(60);
    expect(running.startedAt).not.toBeNull();
    expect(running.completedAt).toBeNull();
    expect((await finished(client, created.id)).succeededRequests).toBe(60);
  });

  it('filters the list by status and metadata, exactly', async () => {
    const { client, emulator, checkResponses } = await startTestEmulator();
    const fileId = await uploadJsonl(client, chatLines(3));
    const make = (metadata: Record<string, string>, extra: { model?: string } = {}) =>
      client.batch.jobs.create({
        inputFiles: [fileId],
        endpoint: '/v1/chat/completions',
        model,
        metadata,
        ...extra,
      });
    const a1 = await make({ team: 'a' });
    const a2 = await make({ team: 'a', kind: 'x' });
    const b1 = await make({ team: 'b' }, { model: 'mistral-large-latest' });
    const stalled = await make({ team: 'c', emulator_fault: 'stall' });
    for (const job of [a1, a2, b1]) await finished(client, job.id);
    await waitFor(
      async () => (await client.batch.jobs.get({ jobId: stalled.id })).status === 'RUNNING',
      { what: 'stall' },
    );

    const ids = (list: { data?: BatchJob[]; total: number }) => {
      expect(list.total).toBe(list.data!.length);
      return list.data!.map((j) => j.id).sort();
    };
    expect(ids(await client.batch.jobs.list({ metadata: { team: 'a' } }))).toEqual(
      [a1.id, a2.id].sort(),
    );
    expect(ids(await client.batch.jobs.list({ metadata: { team: 'a', kind: 'x' } }))).toEqual([
      a2.id,
    ]);
    expect(ids(await client.batch.jobs.list({ status: ['RUNNING'] }))).toEqual([stalled.id]);
    expect(ids(await client.batch.jobs.list({ status: ['SUCCESS', 'RUNNING'] }))).toHaveLength(4);
    expect(
      ids(await client.batch.jobs.list({ status: ['SUCCESS'], metadata: { team: 'b' } })),
    ).toEqual([b1.id]);
    expect(ids(await client.batch.jobs.list({ model: 'mistral-large-latest' }))).toEqual([b1.id]);
    expect(
      ids(await client.batch.jobs.list({ createdAfter: new Date(Date.now() + 60_000) })),
    ).toEqual([]);
    const oldestFirst = await client.batch.jobs.list({ orderBy: 'created' });
    expect(oldestFirst.data!.map((j) => j.id)).toEqual([a1.id, a2.id, b1.id, stalled.id]);
    const page = await client.batch.jobs.list({ page: 1, pageSize: 3 });
    expect(page.total).toBe(4);
    expect(page.data!.map((j) => j.id)).toEqual([a1.id]);
    expect(emulator.stats().jobsByStatus).toEqual({ SUCCESS: 3, RUNNING: 1 });
    expect(emulator.stats().jobsByMetadata.team).toEqual({ a: 2, b: 1, c: 1 });
    await client.batch.jobs.cancel({ jobId: stalled.id });
    expect((await finished(client, stalled.id)).status).toBe('CANCELLED');
    await checkResponses();
  });

  it('lists jobs without the metadata filter with ignoreListMetadataFilter, the other filters still applied', async () => {
    const { client, checkResponses } = await startTestEmulator({ ignoreListMetadataFilter: true });
    const fileId = await uploadJsonl(client, chatLines(2));
    const make = (team: string) =>
      client.batch.jobs.create({
        inputFiles: [fileId],
        endpoint: '/v1/chat/completions',
        model,
        metadata: { team },
      });
    const a = await make('a');
    const b = await make('b');
    const c = await make('c');
    const listed = await client.batch.jobs.list({ metadata: { team: 'a' }, orderBy: 'created' });
    expect(listed.total).toBe(3);
    expect(listed.data!.map((j) => j.id)).toEqual([a.id, b.id, c.id]);
    const page = await client.batch.jobs.list({
      metadata: { team: 'b' },
      orderBy: 'created',
      page: 1,
      pageSize: 2,
    });
    expect(page.data!.map((j) => j.id)).toEqual([c.id]);
    expect(
      (
        await client.batch.jobs.list({
          metadata: { team: 'a' },
          createdAfter: new Date(Date.now() + 60_000),
        })
      ).total,
    ).toBe(0);
    await checkResponses();
    expect(parseArgs(['--ignore-list-metadata-filter', '--port', '1'])).toEqual({
      help: false,
      options: { ignoreListMetadataFilter: true, port: 1 },
    });
    expect(() => parseArgs(['--ignore-list-metadata-filter=yes'])).toThrow(
      /does not take an argument/,
    );
  });

  it('ends FAILED or TIMEOUT_EXCEEDED on the fail and timeout faults, and on timeout_hours on a fast clock', async () => {
    const { client, emulator } = await startTestEmulator({ batchClockScale: 36_000 });
    const fileId = await uploadJsonl(client, chatLines(10));
    const create = (metadata?: Record<string, string>) =>
      client.batch.jobs.create({
        inputFiles: [fileId],
        endpoint: '/v1/chat/completions',
        model,
        metadata,
        timeoutHours: 1,
      });
    const failed = await finished(client, (await create({ emulator_fault: 'fail' })).id);
    expect(failed).toMatchObject({ status: 'FAILED', completedRequests: 5 });
    expect(failed.errors[0]!.message).toContain('emulator_fault=fail');
    const timedOut = await finished(client, (await create({ emulator_fault: 'timeout' })).id);
    expect(timedOut).toMatchObject({ status: 'TIMEOUT_EXCEEDED', completedRequests: 5 });
    expect(timedOut.errors[0]!.message).toContain('timeout_hours=1');
    // One hour is 0.1 s on this clock: a stalled job times out by itself.
    const stalled = await finished(client, (await create({ emulator_fault: 'stall' })).id);
    expect(stalled).toMatchObject({ status: 'TIMEOUT_EXCEEDED', completedRequests: 0 });
    const partial = await finished(client, (await create({ emulator_fault: 'partial' })).id);
    expect(partial).toMatchObject({ status: 'SUCCESS', succeededRequests: 7, failedRequests: 3 });
    expect(emulator.stats().faultsInjected).toMatchObject({
      'batch:fail': 1,
      'batch:timeout': 1,
      'batch:stall': 1,
      'batch:partial': 1,
    });
  });

  it('fails a job whose input file disappeared before it ran, with errors filled', async () => {
    const { client } = await startTestEmulator({ batchConcurrency: 1 });
    const blocker = await client.batch.jobs.create({
      inputFiles: [await uploadJsonl(client, chatLines(1))],
      endpoint: '/v1/chat/completions',
      model,
      metadata: { emulator_fault: 'stall' },
    });
    const fileId = await uploadJsonl(client, chatLines(2));
    const waiting = await client.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
      model,
    });
    expect((await client.batch.jobs.get({ jobId: waiting.id })).status).toBe('QUEUED');
    await client.files.delete({ fileId });
    await client.batch.jobs.cancel({ jobId: blocker.id });
    const job = await finished(client, waiting.id);
    expect(job.status).toBe('FAILED');
    expect(job.errors).toEqual([{ message: `Input file ${fileId} was not found`, count: 1 }]);
  });

  it('runs inline requests and returns their results in outputs', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const created = await client.batch.jobs.create({
      endpoint: '/v1/chat/completions',
      model,
      requests: [
        { customId: 'q1', body: { messages: [{ role: 'user', content: 'Why is the sky blue?' }] } },
        { customId: 'q2', body: { messages: [{ role: 'user', content: 'Why is grass green?' }] } },
        { customId: 'bad', body: { messages: 'nope' } },
      ],
    });
    expect(created.inputFiles).toEqual([]);
    const job = await finished(client, created.id);
    expect(job).toMatchObject({
      status: 'SUCCESS',
      totalRequests: 3,
      succeededRequests: 2,
      failedRequests: 1,
    });
    const withOutputs = await client.batch.jobs.get({ jobId: created.id, inline: true });
    const outputs = withOutputs.outputs!;
    expect(outputs.map((o) => o.custom_id as unknown)).toEqual(['q1', 'q2', 'bad']);
    expect(outputs[0]).toMatchObject({ response: { status_code: 200 }, error: null });
    expect(outputs[2]).toMatchObject({ response: { status_code: 422 } });
    await checkResponses();
  });

  it('runs agents and embeddings batches', async () => {
    const { client } = await startTestEmulator();
    const agent = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Batcher',
    });
    const agentJob = await finished(
      client,
      (
        await client.batch.jobs.create({
          inputFiles: [await uploadJsonl(client, chatLines(3))],
          endpoint: agentsEndpoint,
          agentId: agent.id,
        })
      ).id,
    );
    expect(agentJob).toMatchObject({ status: 'SUCCESS', succeededRequests: 3, agentId: agent.id });
    const first = jsonLines(
      await streamText(await client.files.download({ fileId: agentJob.outputFile! })),
    )[0]!;
    expect((first.response as { body: { model: string } }).body.model).toBe(
      'mistral-medium-latest',
    );

    const embedLines = ['alpha', 'beta'].map((text, i) =>
      JSON.stringify({ custom_id: String(i), body: { input: [text] } }),
    );
    const embedJob = await finished(
      client,
      (
        await client.batch.jobs.create({
          inputFiles: [await uploadJsonl(client, embedLines)],
          endpoint: '/v1/embeddings',
          model: 'mistral-embed',
        })
      ).id,
    );
    expect(embedJob.succeededRequests).toBe(2);
    const embedding = jsonLines(
      await streamText(await client.files.download({ fileId: embedJob.outputFile! })),
    )[0]!;
    const data = (embedding.response as { body: { data: { embedding: number[] }[] } }).body.data;
    expect(data[0]!.embedding).toHaveLength(1024);
  });

  it('fails a share of lines with the global batch line fault rate', async () => {
    const { client } = await startTestEmulator({
      faults: { rate: 0, batchLineRate: 0.5, seed: 3 },
    });
    const job = await finished(
      client,
      (
        await client.batch.jobs.create({
          inputFiles: [await uploadJsonl(client, chatLines(40))],
          endpoint: '/v1/chat/completions',
          model,
        })
      ).id,
    );
    expect(job.failedRequests).toBeGreaterThan(5);
    expect(job.succeededRequests).toBeGreaterThan(5);
    expect(job.failedRequests + job.succeededRequests).toBe(40);
  });

  it('deletes a job, then 404; refuses unknown files, both inputs and unsupported endpoints', async () => {
    const { client } = await startTestEmulator();
    const fileId = await uploadJsonl(client, chatLines(2));
    const job = await client.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
      model,
    });
    await finished(client, job.id);
    expect(await client.batch.jobs.delete({ jobId: job.id })).toEqual({
      id: job.id,
      object: 'batch',
      deleted: true,
    });
    await expect(client.batch.jobs.get({ jobId: job.id })).rejects.toMatchObject({
      statusCode: 404,
    });

    const errorOf = async (promise: Promise<unknown>) => {
      const error = (await promise.catch((e: unknown) => e)) as SDKError;
      expect(error).toBeInstanceOf(SDKError);
      return { status: error.statusCode, body: JSON.parse(error.body) as Record<string, unknown> };
    };
    const unknown = await errorOf(
      client.batch.jobs.create({
        inputFiles: ['00000000-0000-4000-8000-000000000000'],
        endpoint: '/v1/chat/completions',
        model,
      }),
    );
    expect(unknown).toMatchObject({ status: 404, body: { object: 'error', code: 'not_found' } });
    const both = await errorOf(
      client.batch.jobs.create({
        inputFiles: [fileId],
        requests: [{ customId: '1', body: { messages: [] } }],
        endpoint: '/v1/chat/completions',
        model,
      }),
    );
    expect(both).toEqual({
      status: 400,
      body: {
        object: 'error',
        message: 'Provide either input_files or requests, not both',
        type: 'invalid_request_error',
        param: 'input_files',
        code: 'invalid_request',
      },
    });
    const ocr = await errorOf(
      client.batch.jobs.create({ inputFiles: [fileId], endpoint: '/v1/ocr', model }),
    );
    expect(ocr).toMatchObject({ status: 400, body: { code: 'unsupported_endpoint' } });
    const invalid = await errorOf(
      client.batch.jobs.create({
        inputFiles: [fileId],
        endpoint: '/v1/chat/completions',
        model,
        timeoutHours: 500,
      }),
    );
    expect(invalid).toMatchObject({
      status: 422,
      body: {
        object: 'error',
        message: { detail: [{ type: 'less_than_equal', loc: ['body', 'timeout_hours'] }] },
      },
    });
  });
});
