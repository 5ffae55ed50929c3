import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, createClient } from '../src/index.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const model = 'mistral-small-latest';
const tooHot = { model, messages: [{ role: 'user' as const, content: 'Hi' }], temperature: 5 };

async function classified(call: Promise<unknown>) {
  return call.then(
    () => expect.fail('the call should have failed'),
    (e: unknown) => classifyError(e),
  );
}

describe('classifyError against the emulator', () => {
  it.each(['observed', 'fastapi'] as const)(
    'classifies a 422 in the %s shape as invalid_request with its first problem',
    async (errorShape) => {
      emulator = await startEmulator({ errorShape });
      const client = createClient({ serverURL: emulator.url, env: {} });
      expect(await classified(client.chat.complete(tooHot))).toEqual({
        code: 'invalid_request',
        status: 422,
        retryable: false,
        message: 'HTTP 422: body.temperature: Input should be less than or equal to 1.5',
      });
      // Conversations (HTTPValidationError) and batch jobs (SDKError) read the same way.
      expect(
        await classified(
          client.beta.conversations.start({ model, inputs: 'Hi', completionArgs: { topP: 2 } }),
        ),
      ).toMatchObject({
        code: 'invalid_request',
        message: 'HTTP 422: body.completion_args.top_p: Input should be less than or equal to 1',
      });
      expect(
        await classified(
          client.batch.jobs.create({
            requests: [{ customId: '0', body: {} }],
            endpoint: '/v1/chat/completions',
            model,
            timeoutHours: 1000,
          }),
        ),
      ).toMatchObject({
        code: 'invalid_request',
        status: 422,
        message: 'HTTP 422: body.timeout_hours: Input should be less than or equal to 168',
      });
    },
  );

  it('classifies an unknown model as invalid_request with the API message', async () => {
    emulator = await startEmulator();
    const client = createClient({ serverURL: emulator.url, env: {} });
    expect(
      await classified(
        client.chat.complete({ ...tooHot, temperature: 0.2, model: 'mistral-smal-latest' }),
      ),
    ).toEqual({
      code: 'invalid_request',
      status: 400,
      retryable: false,
      message: 'HTTP 400: Invalid model: mistral-smal-latest',
    });
  });
});
