import { HTTPClient, Mistral } from '@mistralai/mistralai';
import { expect, onTestFinished } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/index.js';
import { splitPath } from '../../src/http/split-path.js';
import { openApiValidator } from './openapi-validator.js';

export interface TestEmulator {
  emulator: Emulator;
  url: string;
  /** An SDK client whose every response is checked against the OpenAPI document. */
  client: Mistral;
  /** Checks the responses seen so far; returns how many documents were validated. */
  checkResponses(): Promise<number>;
}

/**
 * Starts an emulator on 127.0.0.1 with port 0 for one test and closes it when the test ends.
 * The SDK client built on it validates every successful response against the published schema,
 * and the test fails if any did not match.
 */
export async function startTestEmulator(
  options: EmulatorOptions = {},
  client: { apiKey?: string; serverPath?: string; timeoutMs?: number } = {},
): Promise<TestEmulator> {
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1', ...options });
  const pending: Promise<{ checked: number; errors: string[] }>[] = [];
  const http = new HTTPClient();
  http.addHook('response', (res, req) => {
    if (res.status !== 200) return;
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('application/json') && !type.startsWith('text/event-stream')) return;
    const { path } = splitPath(new URL(req.url).pathname);
    const copy = res.clone();
    pending.push(
      copy.text().then(
        (text) => openApiValidator().validateResponse(req.method, path, res.status, type, text),
        () => ({ checked: 0, errors: [] }),
      ),
    );
  });
  const url = emulator.url + (client.serverPath ?? '');
  const sdk = new Mistral({
    serverURL: url,
    apiKey: client.apiKey ?? 'test-key',
    httpClient: http,
    timeoutMs: client.timeoutMs,
  });
  let checked = 0;
  const checkResponses = async () => {
    const results = await Promise.all(pending.splice(0));
    const errors = results.flatMap((r) => r.errors);
    expect(errors, 'responses must match the OpenAPI schemas').toEqual([]);
    checked += results.reduce((n, r) => n + r.checked, 0);
    return checked;
  };
  onTestFinished(async () => {
    await checkResponses();
    await emulator.close();
  });
  return { emulator, url, client: sdk, checkResponses };
}
