import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, createClient, toApiError } from '../src/index.js';
import { startTestServer, type TestServer } from './http-server.js';

const request = {
  model: 'mistral-small-latest',
  messages: [{ role: 'user' as const, content: 'hi' }],
};

/** The error `client.chat.complete` rejects with, against `serverURL`. */
async function failure(serverURL: string, timeoutMs?: number): Promise<unknown> {
  const client = createClient({ serverURL, env: {}, ...(timeoutMs ? { timeoutMs } : {}) });
  return client.chat.complete(request).then(
    () => {
      throw new Error('the request succeeded');
    },
    (error: unknown) => error,
  );
}

/** A port nothing listens on: one a server had, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The deepest `code` in an error's cause chain. */
function systemCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as never)
    if (typeof e.code === 'string') code = e.code;
  return code;
}

describe('errors of requests that got no answer', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('name the method, the URL and the system error of a refused connection, and keep the cause chain', async () => {
    const port = await closedPort();
    const error = await failure(`http://127.0.0.1:${port}`);
    const apiError = toApiError(error);
    expect(apiError).toMatchObject({ code: 'network', retryable: true });
    expect(apiError.message).toBe(
      `POST http://127.0.0.1:${port}/v1/chat/completions: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(systemCode(apiError)).toBe('ECONNREFUSED');
  });

  it('name a host name that does not resolve', async () => {
    const error = await failure('http://mistral-flows-test.invalid');
    const c = classifyError(error);
    expect(c).toMatchObject({ code: 'network', retryable: true });
    expect(c.message).toMatch(
      /^POST http:\/\/mistral-flows-test\.invalid\/v1\/chat\/completions: getaddrinfo (ENOTFOUND|EAI_AGAIN) mistral-flows-test\.invalid$/,
    );
  });

  it('name a TLS failure, which is not retried', async () => {
    server = await startTestServer((_req, res) => res.end('plain HTTP'));
    const url = server.url.replace('http://', 'https://');
    const c = classifyError(await failure(url));
    expect(c).toMatchObject({ code: 'network', retryable: false });
    expect(c.message).toMatch(
      new RegExp(
        `^POST ${url.replace(/[.]/g, '\\.')}/v1/chat/completions: .*(SSL|TLS|EPROTO)`,
        'i',
      ),
    );
  });

  it('name a request that timed out', async () => {
    server = await startTestServer(() => {
      // Never answers.
    });
    const c = classifyError(await failure(server.url, 150));
    expect(c).toEqual({
      code: 'timeout',
      retryable: true,
      message: `POST ${server.url}/v1/chat/completions: timed out with no answer`,
    });
  });

  it('leave the query string out of the URL', async () => {
    const port = await closedPort();
    const client = createClient({ serverURL: `http://127.0.0.1:${port}`, env: {} });
    const error: unknown = await client.files
      .list({ search: 'secret-looking' })
      .catch((e: unknown) => e);
    expect(classifyError(error).message).toMatch(
      new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/v1/files: connect ECONNREFUSED`),
    );
  });
});
