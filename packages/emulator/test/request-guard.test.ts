import { Mistral } from '@mistralai/mistralai';
import { describe, expect, it } from 'vitest';
import { EmulatorConfigError, startEmulator } from '../src/index.js';
import { rawRequest } from './support/raw-request.js';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';

/** Creates an agent, a file and a conversation, so that a reset would be visible. */
async function fillState(client: Mistral): Promise<{ agentId: string; fileId: string }> {
  const agent = await client.beta.agents.create({ model, name: 'keeper' });
  const file = await client.files.upload({
    file: { fileName: 'notes.txt', content: Buffer.from('private notes') },
  });
  await client.beta.conversations.start({ model, inputs: 'Remember this' });
  return { agentId: agent.id, fileId: file.id };
}

describe('control routes and browser pages', () => {
  it('refuses requests from pages on another origin on control routes and for every change, and the state survives', async () => {
    const { url, client, emulator } = await startTestEmulator();
    const { port } = emulator;
    const { agentId, fileId } = await fillState(client);
    // A page can send these without a preflight: a form post, or fetch with a text body.
    const simple = { 'content-type': 'text/plain' };
    const foreign: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `http://localhost:${port}` },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of foreign) {
      const what = JSON.stringify(headers);
      const reset = await rawRequest(
        url,
        'POST',
        '/_emulator/reset',
        { ...simple, ...headers },
        '',
      );
      expect(reset.status, what).toBe(403);
      expect(reset.json, what).toMatchObject({
        object: 'error',
        type: 'invalid_request_error',
        param: null,
        code: 'cross_origin_refused',
        message: expect.stringMatching(/^Cross-origin request refused \((Origin|Sec-Fetch-Site)/),
      });
      const stats = await rawRequest(url, 'GET', '/_emulator/stats', headers);
      expect(stats.status, what).toBe(403);
      const create = await rawRequest(
        url,
        'POST',
        '/v1/agents',
        { ...simple, ...headers },
        JSON.stringify({ model, name: 'intruder' }),
      );
      expect(create.status, what).toBe(403);
      const remove = await rawRequest(url, 'DELETE', `/v1/files/${fileId}`, headers);
      expect(remove.status, what).toBe(403);
    }
    expect(emulator.stats()).toMatchObject({ agents: 1, files: 1, conversations: 1 });
    expect((await client.beta.agents.get({ agentId })).name).toBe('keeper');
    expect((await client.files.retrieve({ fileId })).filename).toBe('notes.txt');

    // Reading is left alone: without CORS headers a page on another origin cannot see the answer.
    const read = await rawRequest(url, 'GET', '/v1/models', { origin: 'https://evil.example' });
    expect(read.status).toBe(200);
    // The emulator's own origin is not another origin.
    const own = await rawRequest(url, 'POST', '/_emulator/reset', {
      origin: `http://127.0.0.1:${port}`,
      'sec-fetch-site': 'same-origin',
    });
    expect(own.status).toBe(200);
    expect(emulator.stats()).toMatchObject({ agents: 0, files: 0, conversations: 0 });
  });

  it('answers 421 to a Host that is not one of its names (DNS rebinding), on every route', async () => {
    const { url, client, emulator } = await startTestEmulator();
    const { port } = emulator;
    const { agentId, fileId } = await fillState(client);
    const rebound = { host: `evil.example:${port}` };
    for (const [method, path] of [
      ['GET', '/v1/files'],
      ['GET', `/v1/files/${fileId}/content`],
      ['GET', `/v1/agents/${agentId}`],
      ['GET', '/v1/conversations'],
      ['GET', '/_emulator/stats'],
      ['GET', '/_emulator/health'],
      ['POST', '/_emulator/reset'],
    ] as const) {
      const res = await rawRequest(url, method, path, rebound);
      expect(res.status, `${method} ${path}`).toBe(421);
      expect(res.json).toMatchObject({
        object: 'error',
        type: 'invalid_request_error',
        code: 'host_not_allowed',
        message: expect.stringContaining(`"evil.example:${port}" is not a name this emulator`),
      });
      expect(res.text).not.toContain('private notes');
    }
    expect(emulator.stats()).toMatchObject({ agents: 1, files: 1, conversations: 1 });

    for (const host of [
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `10.1.2.3:${port}`,
      `app.localhost:${port}`,
      'localhost',
    ]) {
      const res = await rawRequest(url, 'GET', '/v1/files', { host });
      expect(res.status, host).toBe(200);
    }
    for (const host of [`localhost.evil.example:${port}`, `localhost:${port}:1`, `[::1`]) {
      const res = await rawRequest(url, 'GET', '/v1/files', { host });
      expect(res.status, host).toBe(421);
    }
    // The SDK on another loopback name of the same server.
    const viaLocalhost = new Mistral({ serverURL: `http://localhost:${port}`, apiKey: 'k' });
    expect((await viaLocalhost.files.list()).data).toHaveLength(1);
  });

  it('answers the names in allowedHosts, a leading dot naming a whole domain, and any name with true', async () => {
    const { url, emulator } = await startTestEmulator({
      allowedHosts: ['emulator.internal', '.corp.example'],
    });
    const { port } = emulator;
    for (const host of [
      'emulator.internal',
      'corp.example',
      'a.b.corp.example',
      'EMULATOR.INTERNAL.',
    ]) {
      const res = await rawRequest(url, 'GET', '/_emulator/health', { host: `${host}:${port}` });
      expect(res.status, host).toBe(200);
    }
    for (const host of ['evil.example', 'emulator.internal.evil.example', 'notcorp.example']) {
      const res = await rawRequest(url, 'GET', '/_emulator/health', { host: `${host}:${port}` });
      expect(res.status, host).toBe(421);
    }
    const open = await startTestEmulator({ allowedHosts: true });
    const any = await rawRequest(open.url, 'GET', '/_emulator/health', { host: 'evil.example' });
    expect(any.status).toBe(200);
    await expect(startEmulator({ allowedHosts: 'evil.example' as never })).rejects.toThrow(
      EmulatorConfigError,
    );
    await expect(startEmulator({ allowedHosts: 'evil.example' as never })).rejects.toThrow(
      /allowedHosts must be an array of host names or true/,
    );
  });

  it('with an API key, needs it on the control routes too, and never repeats it', async () => {
    const { url, client, emulator } = await startTestEmulator(
      { apiKey: 'secret-key' },
      { apiKey: 'secret-key' },
    );
    await fillState(client);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: 'secret-key' },
    ];
    for (const auth of attempts) {
      for (const [method, path] of [
        ['GET', '/_emulator/stats'],
        ['GET', '/_emulator/health'],
        ['POST', '/_emulator/reset'],
      ] as const) {
        const res = await rawRequest(url, method, path, auth);
        expect(res.status, `${method} ${path} ${JSON.stringify(auth)}`).toBe(401);
        expect(res.json).toMatchObject({ message: 'Unauthorized' });
        expect(res.text).not.toContain('secret-key');
      }
    }
    expect(emulator.stats()).toMatchObject({ agents: 1, files: 1, conversations: 1 });
    const key = { authorization: 'Bearer secret-key' };
    expect((await rawRequest(url, 'GET', '/_emulator/health', key)).json).toEqual({ status: 'ok' });
    const stats = await rawRequest(url, 'GET', '/_emulator/stats', key);
    expect(stats.json).toMatchObject({ agents: 1 });
    expect((await rawRequest(url, 'POST', '/_emulator/reset', key)).status).toBe(200);
    expect(emulator.stats()).toMatchObject({ agents: 0, files: 0, conversations: 0 });
  });

  it('serves clients that are not browsers as before: the SDK and fetch send no Origin', async () => {
    const { url, client, emulator } = await startTestEmulator();
    await fillState(client);
    const stats = await fetch(`${url}/_emulator/stats`);
    expect(stats.status).toBe(200);
    expect(((await stats.json()) as { agents: number }).agents).toBe(1);
    const reset = await fetch(`${url}/_emulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(emulator.stats().agents).toBe(0);
    const res = await client.chat.complete({ model, messages: [{ role: 'user', content: 'Hi' }] });
    expect(res.choices[0]!.finishReason).toBe('stop');
  });
});
