import { HTTPValidationError, SDKError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/parse-args.js';
import { EmulatorConfigError, startEmulator } from '../src/index.js';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';
const tooHot = { model, messages: [{ role: 'user' as const, content: 'Hi' }], temperature: 5 };
const issue = {
  type: 'less_than_equal',
  loc: ['body', 'temperature'],
  msg: 'Input should be less than or equal to 1.5',
  input: 5,
};
const observed = {
  object: 'error',
  message: { detail: [issue] },
  type: 'invalid_request_error',
  param: null,
  code: null,
};

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => expect.fail('the call should have failed'),
    (e: unknown) => e,
  );
}

describe('error shapes', () => {
  it('answers 422 in the observed shape by default: the SDK throws HTTPValidationError without detail', async () => {
    const { client } = await startTestEmulator();
    const error = await rejection(client.chat.complete(tooHot));
    expect(error).toBeInstanceOf(HTTPValidationError);
    const e = error as HTTPValidationError;
    expect(e.statusCode).toBe(422);
    expect(e.detail).toBeUndefined();
    expect(JSON.parse(e.body)).toEqual(observed);
    // The message is "API error occurred: " and the parsed fields, the raw body among them.
    expect(e.message).toMatch(/^API error occurred: /);
    expect(e.message).toContain('less_than_equal');
    expect(e.headers.get('content-type')).toMatch(/^application\/json/);
    // Conversations and agents have the same matcher; a streamed call too.
    const conversation = await rejection(client.beta.conversations.start({ inputs: 'Hi' }));
    expect(conversation).toBeInstanceOf(HTTPValidationError);
    expect((conversation as HTTPValidationError).detail).toBeUndefined();
    const stream = await rejection(client.chat.stream(tooHot));
    expect(stream).toBeInstanceOf(HTTPValidationError);
  });

  it('answers 422 as FastAPI {detail} with errorShape fastapi: the SDK fills err.detail', async () => {
    const { client } = await startTestEmulator({ errorShape: 'fastapi' });
    const error = await rejection(client.chat.complete(tooHot));
    expect(error).toBeInstanceOf(HTTPValidationError);
    const e = error as HTTPValidationError;
    expect(e.detail).toEqual([issue]);
    expect(e.message).toMatch(/^API error occurred: \{"detail":\[/);
    expect(JSON.parse(e.body)).toEqual({ detail: [issue] });
  });

  it('keeps the observed body on files and batch under both shapes (SDKError: no 422 matcher there)', async () => {
    for (const errorShape of ['observed', 'fastapi'] as const) {
      const { client } = await startTestEmulator({ errorShape });
      const error = await rejection(
        client.batch.jobs.create({
          requests: [{ customId: '0', body: { messages: [] } }],
          endpoint: '/v1/chat/completions',
          model,
          timeoutHours: 1000,
        }),
      );
      expect(error).toBeInstanceOf(SDKError);
      expect(error).not.toBeInstanceOf(HTTPValidationError);
      expect(JSON.parse((error as SDKError).body)).toMatchObject({
        object: 'error',
        message: { detail: [{ type: 'less_than_equal', loc: ['body', 'timeout_hours'] }] },
      });
    }
  });

  it('takes the shape from --error-shape and refuses an unknown one', async () => {
    expect(parseArgs(['--error-shape', 'fastapi'])).toEqual({
      help: false,
      options: { errorShape: 'fastapi' },
    });
    const error = await startEmulator({ errorShape: 'pydantic' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmulatorConfigError);
    expect((error as Error).message).toBe('errorShape must be observed or fastapi, got "pydantic"');
  });
});
