import type { BatchJob } from '@mistralai/mistralai/models/components';
import { SDKError } from '@mistralai/mistralai/models/errors';
import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/parse-args.js';
import { EmulatorConfigError, startEmulator } from '../src/index.js';
import { chatLine, streamText, uploadJsonl } from './support/batch-input.js';
import { startTestEmulator } from './support/test-emulator.js';

const typo = 'mistral-smal-latest';
const messages = [{ role: 'user' as const, content: 'Hi' }];
const invalidModelBody = (model: string) => ({
  object: 'error',
  message: `Invalid model: ${model}`,
  type: 'invalid_model',
  param: null,
  code: '1500',
  raw_status_code: 400,
});

/** The SDK's error for a call, with its status and parsed body. */
async function failure(call: Promise<unknown>): Promise<{ statusCode: number; body: unknown }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SDKError);
  const { statusCode, body } = error as SDKError;
  return { statusCode, body: JSON.parse(body) as unknown };
}

describe('served models', () => {
  it('refuses an unknown model with the real API 400 on chat, conversations, agents and batch jobs', async () => {
    const { client, emulator } = await startTestEmulator();
    const expected = { statusCode: 400, body: invalidModelBody(typo) };
    expect(await failure(client.chat.complete({ model: typo, messages }))).toEqual(expected);
    expect(await failure(client.chat.stream({ model: typo, messages }))).toEqual(expected);
    expect(await failure(client.beta.conversations.start({ model: typo, inputs: 'Hi' }))).toEqual(
      expected,
    );
    expect(await failure(client.beta.agents.create({ model: typo, name: 'Typo' }))).toEqual(
      expected,
    );
    const agent = await client.beta.agents.create({ model: 'mistral-small-latest', name: 'A' });
    expect(
      await failure(
        client.beta.agents.update({ agentId: agent.id, updateAgentRequest: { model: typo } }),
      ),
    ).toEqual(expected);
    const fileId = await uploadJsonl(client, [chatLine('0', 'Hello')]);
    expect(
      await failure(
        client.batch.jobs.create({
          inputFiles: [fileId],
          endpoint: '/v1/chat/completions',
          model: typo,
        }),
      ),
    ).toEqual(expected);
    // Nothing was created by the refused calls.
    expect(emulator.stats()).toMatchObject({ agents: 1, conversations: 0, jobsCreated: 0 });
    // The agent kept its model, and served names (ids and aliases) still answer.
    expect((await client.beta.agents.get({ agentId: agent.id })).model).toBe(
      'mistral-small-latest',
    );
    const ok = await client.chat.complete({ model: 'mistral-small-2506', messages });
    expect(ok.model).toBe('mistral-small-2506');
  });

  it('fails a batch line that names an unknown model in the error file, and runs the others', async () => {
    const { client } = await startTestEmulator();
    const fileId = await uploadJsonl(client, [
      chatLine('good', 'Hello', { model: 'mistral-small-latest' }),
      chatLine('typo', 'Hello', { model: typo }),
    ]);
    const created = await client.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
    });
    const job = await waitFor(
      async () => {
        const current: BatchJob = await client.batch.jobs.get({ jobId: created.id });
        return current.status === 'SUCCESS' ? current : undefined;
      },
      { what: 'the batch job to succeed' },
    );
    expect(job).toMatchObject({ succeededRequests: 1, failedRequests: 1 });
    const errors = await streamText(await client.files.download({ fileId: job.errorFile! }));
    expect(JSON.parse(errors.trim())).toMatchObject({
      custom_id: 'typo',
      line: 2,
      response: { status_code: 400, body: invalidModelBody(typo) },
      error: { code: 'invalid_model' },
    });
  });

  it('serves the names given with the models option or --model, fine-tuned ids with their card', async () => {
    const fineTuned = 'ft:open-mistral-nemo:a1b2c3d4:20250101:7e773925';
    const { options } = parseArgs(['--model', 'my-gateway-model', `--model=${fineTuned}`]) as {
      options: { models?: string[] };
    };
    expect(options.models).toEqual(['my-gateway-model', fineTuned]);
    const { client, checkResponses } = await startTestEmulator({ models: options.models });
    const list = await client.models.list();
    const ids = (list.data ?? []).map((m) => ('id' in m ? m.id : undefined));
    expect(ids).toEqual(expect.arrayContaining(['mistral-small-latest', 'my-gateway-model']));
    expect(await client.models.retrieve({ modelId: fineTuned })).toMatchObject({
      id: fineTuned,
      type: 'fine-tuned',
      root: 'open-mistral-nemo',
      ownedBy: 'a1b2c3d4',
      job: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
    });
    for (const model of ['my-gateway-model', fineTuned]) {
      const res = await client.chat.complete({ model, messages });
      expect(res.model).toBe(model);
    }
    // A fine-tuned id that was not configured is refused like any unknown model.
    const other = 'ft:open-mistral-nemo:a1b2c3d4:20250101:00000000';
    expect(await failure(client.chat.complete({ model: other, messages }))).toMatchObject({
      statusCode: 400,
      body: { type: 'invalid_model' },
    });
    expect(await checkResponses()).toBeGreaterThan(0);
  });

  it('refuses a configured name that is not a model name', async () => {
    await expect(startEmulator({ models: ['two words'] })).rejects.toThrow(EmulatorConfigError);
    await expect(startEmulator({ models: [''] })).rejects.toThrow(/not a model name/);
  });
});
