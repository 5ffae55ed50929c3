import { HTTPValidationError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

const chatBody = { model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] };

async function post(
  url: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** The detail list of a 422 in the real API's observed shape, `{"message":{"detail":[...]}}`. */
function detailOf(body: Record<string, unknown>): unknown {
  expect(body).toMatchObject({ object: 'error', type: 'invalid_request_error' });
  return (body.message as { detail: unknown }).detail;
}

describe('errors', () => {
  it('answers 401 when an API key is configured and the request has none or another one', async () => {
    const { url, client } = await startTestEmulator({ apiKey: 'secret' }, { apiKey: 'wrong' });
    await expect(client.models.list()).rejects.toMatchObject({ statusCode: 401 });
    const missing = await fetch(`${url}/v1/models`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ message: 'Unauthorized' });
    const ok = await fetch(`${url}/v1/models`, { headers: { authorization: 'Bearer secret' } });
    expect(ok.status).toBe(200);
  });

  it('gives FastAPI 422 details the SDK exposes as HTTPValidationError (errorShape fastapi)', async () => {
    const { client } = await startTestEmulator({ errorShape: 'fastapi' });
    const error = await client.chat
      .complete({ ...chatBody, messages: [{ role: 'user', content: 'Hi' }], temperature: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPValidationError);
    expect((error as HTTPValidationError).detail).toEqual([
      {
        type: 'less_than_equal',
        loc: ['body', 'temperature'],
        msg: 'Input should be less than or equal to 1.5',
        input: 5,
      },
    ]);
  });

  it('rejects unknown fields, missing messages and a tool schema that is not an object', async () => {
    const { url } = await startTestEmulator();
    const unknown = await post(url, JSON.stringify({ ...chatBody, temperatur: 0.2 }));
    expect(unknown.status).toBe(422);
    expect(detailOf(unknown.body)).toEqual([
      {
        type: 'extra_forbidden',
        loc: ['body', 'temperatur'],
        msg: 'Extra inputs are not permitted',
        input: 0.2,
      },
    ]);
    const missing = await post(url, JSON.stringify({ model: 'mistral-small-latest' }));
    expect(detailOf(missing.body)).toEqual([
      {
        type: 'missing',
        loc: ['body', 'messages'],
        msg: 'Field required',
        input: { model: 'mistral-small-latest' },
      },
    ]);
    const badTool = await post(
      url,
      JSON.stringify({
        ...chatBody,
        tools: [{ type: 'function', function: { name: 'f', parameters: 'object' } }],
      }),
    );
    expect(detailOf(badTool.body)).toEqual([
      {
        type: 'dict_type',
        loc: ['body', 'tools', 0, 'function', 'function', 'parameters'],
        msg: 'Input should be a valid dictionary',
        input: 'object',
      },
    ]);
    const badRole = await post(
      url,
      JSON.stringify({ ...chatBody, messages: [{ role: 'robot', content: 'x' }] }),
    );
    expect(detailOf(badRole.body)).toMatchObject([
      { type: 'union_tag_invalid', loc: ['body', 'messages', 0] },
    ]);
  });

  it('rejects malformed JSON, a wrong content type, an empty body and oversized bodies without crashing', async () => {
    const { url, client } = await startTestEmulator({ maxBodyBytes: 2048 });
    const malformed = await post(url, '{"model": "m", "messages": [');
    expect(malformed.status).toBe(422);
    expect(detailOf(malformed.body)).toMatchObject([
      { type: 'json_invalid', loc: ['body', expect.any(Number)], msg: 'JSON decode error' },
    ]);
    const textPlain = await post(url, JSON.stringify(chatBody), { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(422);
    expect(detailOf(textPlain.body)).toMatchObject([
      { type: 'model_attributes_type', loc: ['body'] },
    ]);
    const empty = await post(url, '');
    expect(detailOf(empty.body)).toMatchObject([{ type: 'missing', loc: ['body'] }]);
    const big = await post(
      url,
      JSON.stringify({ ...chatBody, messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    );
    expect(big.status).toBe(413);
    expect(big.type).toMatch(/^application\/json/);
    expect(big.body).toMatchObject({
      object: 'error',
      type: 'invalid_request_error',
      code: 'payload_too_large',
    });
    const array = await post(url, '[1,2]');
    expect(detailOf(array.body)).toMatchObject([{ type: 'model_attributes_type' }]);
    const notFound = await fetch(`${url}/v1/nothing-here`);
    expect(notFound.status).toBe(404);
    const wrongMethod = await fetch(`${url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    // Still serving normally.
    const ok = await client.chat.complete({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'Still there?' }],
    });
    expect(ok.choices).toHaveLength(1);
  });

  it('answers 429 with Retry-After beyond the configured rps', async () => {
    // One request every 5 s: the second one right after the first is over the limit.
    const { url, emulator } = await startTestEmulator({ rps: 0.2 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/v1/models`);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(await res.json()).toMatchObject({
          object: 'error',
          type: 'rate_limited',
          code: '1300',
        });
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(5);
    expect(emulator.stats().rateLimited).toBe(2);
  });
});
