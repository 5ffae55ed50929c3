import { Mistral } from '@mistralai/mistralai';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@mistral-flows/testing';
import {
  ConfigError,
  InvalidArgumentError,
  SDK_DEFAULT_TIMEOUT_MS,
  classifyError,
  clientTimeoutMs,
  createClient,
  requestSignal,
  toApiError,
} from '../src/index.js';
import { startTestServer, type TestServer } from './http-server.js';

const completion = {
  id: 'cmpl-1',
  object: 'chat.completion',
  model: 'mistral-small-latest',
  created: 1750000000,
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  choices: [
    {
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: 'Hi there', tool_calls: null, prefix: false },
    },
  ],
};

describe('createClient', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('throws a typed error naming both variables when there is neither a key nor a URL', () => {
    const error = (() => {
      try {
        createClient({ env: {} });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'config_missing' });
    expect((error as Error).message).toMatch(/MISTRAL_API_KEY.*MISTRAL_SERVER_URL/);
  });

  it('rejects a server URL that is not http(s) and a bad timeout', () => {
    expect(() => createClient({ serverURL: 'not a url', env: {} })).toThrow(/serverURL/);
    expect(() => createClient({ serverURL: 'file:///etc', env: {} })).toThrow(/http/);
    expect(() => createClient({ serverURL: 'http://127.0.0.1:1', timeoutMs: -1, env: {} })).toThrow(
      /timeoutMs/,
    );
  });

  it('returns the official client, reading MISTRAL_API_KEY and MISTRAL_SERVER_URL', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion));
    });
    const client = createClient({
      env: { MISTRAL_API_KEY: 'env-key-123', MISTRAL_SERVER_URL: `${server.url}/prefix` },
    });
    expect(client).toBeInstanceOf(Mistral);
    const res = await client.chat.complete({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]?.message?.content).toBe('Hi there');
    expect(server.requests[0]?.url).toBe('/prefix/v1/chat/completions');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer env-key-123');
  });

  it('works without a key against a server URL (the emulator case)', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion));
    });
    const client = createClient({ serverURL: server.url, env: {} });
    await client.chat.complete({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('retries 429 with Retry-After when retry is on', async () => {
    let calls = 0;
    server = await startTestServer((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end('{"message":"Rate limit exceeded"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(completion));
    });
    const client = createClient({
      serverURL: server.url,
      env: {},
      retry: { initialDelayMs: 1, maxDelayMs: 10 },
    });
    await client.chat.complete({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(calls).toBe(2);
  });

  it('classifies real SDK failures over HTTP: 429 with Retry-After, 401, 500, refused connection, timeout, abort', async () => {
    server = await startTestServer((req, res) => {
      const status = Number(req.headers['x-status']);
      if (status === 0) return; // never answer: the client times out
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end('{"message":"nope"}');
    });
    const client = createClient({ serverURL: server.url, env: {} });
    const call = (status: number, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
      client.chat
        .complete(
          { model: 'm', messages: [{ role: 'user', content: 'x' }] },
          { headers: { 'x-status': String(status) }, ...extra },
        )
        .then(
          () => undefined,
          (e: unknown) => classifyError(e),
        );
    expect(await call(429)).toMatchObject({
      code: 'rate_limited',
      status: 429,
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(await call(401)).toMatchObject({ code: 'auth', status: 401, retryable: false });
    expect(await call(500)).toMatchObject({ code: 'server', status: 500, retryable: true });
    expect(await call(422)).toMatchObject({ code: 'invalid_request', status: 422 });
    expect(await call(0, { timeoutMs: 50 })).toMatchObject({ code: 'timeout', retryable: true });
    const controller = new AbortController();
    const aborted = call(0, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await aborted).toMatchObject({ code: 'aborted', retryable: false });

    const refused = createClient({ serverURL: 'http://127.0.0.1:9', env: {} });
    const error = await refused.models.list().catch((e: unknown) => e);
    expect(classifyError(error)).toMatchObject({ code: 'network', retryable: true });
  });

  it('keeps the API key out of a classified error, even when the server echoes it', async () => {
    const apiKey = 'sk-live-9f8e7d6c5b4a3210';
    server = await startTestServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ message: `Invalid key in ${req.headers.authorization}`, key: apiKey }),
      );
    });
    const client = createClient({ apiKey, serverURL: server.url, env: {} });
    const raw = await client.chat
      .complete({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    const error = toApiError(raw);
    expect(error.code).toBe('auth');
    const everything = [
      error.message,
      error.stack ?? '',
      JSON.stringify(error),
      String(error.cause),
      (error.cause as Error).stack ?? '',
      (error.cause as { body?: string }).body ?? '',
      JSON.stringify(classifyError(raw)),
    ].join('\n');
    expect(everything).toContain('401');
    expect(everything).not.toContain(apiKey);
  });
});

describe('requestSignal', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const request = {
    model: 'mistral-small-latest',
    messages: [{ role: 'user' as const, content: 'hi' }],
  };

  it("gives a request that carries the caller's signal the client's timeout", async () => {
    server = await startTestServer(() => {
      // Never answers.
    });
    const client = createClient({ serverURL: server.url, timeoutMs: 150, env: {} });
    expect(clientTimeoutMs(client)).toBe(150);
    const caller = new AbortController();
    const error: unknown = await client.chat
      .complete(request, { signal: requestSignal(caller.signal, clientTimeoutMs(client)) })
      .catch((e: unknown) => e);
    expect(classifyError(error)).toMatchObject({ code: 'timeout', retryable: true });
    expect(caller.signal.aborted).toBe(false);
  });

  it("still ends the request with the caller's abort, classified as such", async () => {
    server = await startTestServer(() => {
      // Never answers.
    });
    const client = createClient({ serverURL: server.url, env: {} });
    const caller = new AbortController();
    const pending = client.chat
      .complete(request, { signal: requestSignal(caller.signal, clientTimeoutMs(client)) })
      .catch((e: unknown) => e);
    await waitFor(() => server!.requests.length === 1, { what: 'the request to arrive' });
    caller.abort();
    expect(classifyError(await pending)).toMatchObject({ code: 'aborted' });
  });

  it("falls back to the SDK's default and rejects a timeout that is not positive", () => {
    expect(clientTimeoutMs(new Mistral({ serverURL: 'http://127.0.0.1:1' }))).toBe(
      SDK_DEFAULT_TIMEOUT_MS,
    );
    expect(() => requestSignal(undefined, 0)).toThrow(InvalidArgumentError);
    expect(requestSignal(undefined, 1_000).aborted).toBe(false);
  });
});
