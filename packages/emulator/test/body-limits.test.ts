import { once } from 'node:events';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

const MiB = 1024 * 1024;

/** Starts a request and returns it with a promise of its answer (status, headers, body). */
function open(
  url: string,
  path: string,
  headers: Record<string, string>,
): {
  req: ClientRequest;
  answer: Promise<{ res: IncomingMessage; body: string }>;
  answered: () => boolean;
} {
  const req = request(`${url}${path}`, { method: 'POST', headers });
  // Once the emulator has answered and closed the connection, the rest of an upload fails to
  // write (EPIPE, ECONNRESET): the tests check the answer, so that error is expected here.
  req.on('error', () => undefined);
  const answer = once(req, 'response').then(async (args) => {
    const res = args[0] as IncomingMessage;
    let body = '';
    for await (const chunk of res) body += (chunk as Buffer).toString();
    return { res, body };
  });
  // A test that destroys the request itself never reads `answer`: its rejection is not an error
  // there, and a test that awaits `answer` still sees it.
  let answered = false;
  answer.then(
    () => (answered = true),
    () => undefined,
  );
  onTestFinished(() => {
    req.destroy();
  });
  return { req, answer, answered: () => answered };
}

describe('request bodies', () => {
  it('holds memory for the bytes received, not for a declared Content-Length', async () => {
    const { url, emulator, client } = await startTestEmulator();
    const before = process.memoryUsage().arrayBuffers;
    // Under the default upload limit (512 MiB + 1 MiB of multipart framing), so it is accepted.
    const { req } = open(url, '/v1/files', {
      'content-type': 'multipart/form-data; boundary=xyz',
      'content-length': String(512 * MiB),
    });
    req.write('--xyz\r\n');
    await waitFor(() => emulator.stats().requests['POST /v1/files'] === 1, {
      what: 'the upload to be routed and its body read',
    });
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(32 * MiB);
    req.destroy();
    await waitFor(() => emulator.stats().openConnections === 0, { what: 'the upload to close' });
    const file = await client.files.upload({
      file: { fileName: 'after.txt', content: Buffer.from('still serving') },
    });
    expect(file.sizeBytes).toBe(13);
  });

  it('answers 413 and closes at once when the declared Content-Length is over the limit', async () => {
    const { url, client } = await startTestEmulator({ maxBodyBytes: 64 * 1024 });
    const { req, answer, answered } = open(url, '/v1/chat/completions', {
      'content-type': 'application/json',
      'content-length': String(1024 * MiB),
    });
    req.write('{"model":');
    await waitFor(answered, { what: 'the 413 while the body is still to come' });
    const { res, body } = await answer;
    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(body)).toMatchObject({
      object: 'error',
      code: 'payload_too_large',
      message: 'Request body is larger than the limit of 65536 bytes',
    });
    await waitFor(() => req.socket?.destroyed, { what: 'the emulator to close the connection' });
    const ok = await client.chat.complete({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(ok.choices[0]!.finishReason).toBe('stop');
  });

  it('answers 413 as soon as a body without Content-Length passes the limit, before the client has sent it all', async () => {
    const limit = 64 * 1024;
    const { url, client } = await startTestEmulator({ maxBodyBytes: limit });
    const { req, answer, answered } = open(url, '/v1/chat/completions', {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    const total = 48 * MiB;
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    const failed = once(req, 'error');
    let sent = 0;
    while (!answered() && sent < total && !req.destroyed) {
      const written = new Promise((resolve) => req.write(chunk, resolve));
      await Promise.race([written, answer, failed]);
      sent += chunk.length;
    }
    expect(sent, 'bytes sent before the answer').toBeLessThan(total / 4);
    expect(sent).toBeGreaterThan(limit);
    const { res, body } = await answer;
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ code: 'payload_too_large' });
    const ok = await client.chat.complete({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(ok.choices[0]!.finishReason).toBe('stop');
  });
});
