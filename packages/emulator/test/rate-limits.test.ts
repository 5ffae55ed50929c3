import { HTTPClient, Mistral } from '@mistralai/mistralai';
import { SDKError } from '@mistralai/mistralai/models/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/cli/parse-args.js';
import { EmulatorConfigError, startEmulator, type Emulator } from '../src/index.js';

const model = 'mistral-small-latest';
const messages = [{ role: 'user' as const, content: 'Tell me about the tides' }];

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** An SDK client that records the `x-ratelimit-*` headers of every answer (the SDK hides them). */
function recordingClient(url: string, apiKey: string) {
  const seen: Record<string, string>[] = [];
  const http = new HTTPClient();
  http.addHook('response', (res) => {
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      if (name.startsWith('x-ratelimit-') || name === 'retry-after') headers[name] = value;
    });
    seen.push(headers);
  });
  return { client: new Mistral({ serverURL: url, apiKey, httpClient: http }), seen };
}

describe('rate-limit budgets', () => {
  it("sends the real API's x-ratelimit headers from a per-key budget and answers 429 beyond it", async () => {
    emulator = await startEmulator({
      rateLimit: { requestsPerMinute: 3, tokensPerMinute: 100_000 },
    });
    const { client, seen } = recordingClient(emulator.url, 'key-one-secret');
    const usages: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await client.chat.complete({ model, messages });
      usages.push(res.usage.totalTokens ?? 0);
    }
    expect(seen.map((h) => h['x-ratelimit-remaining-req-minute'])).toEqual(['2', '1', '0']);
    expect(seen.map((h) => h['x-ratelimit-limit-req-minute'])).toEqual(['3', '3', '3']);
    expect(seen.map((h) => h['x-ratelimit-limit-tokens-minute'])).toEqual([
      '100000',
      '100000',
      '100000',
    ]);
    expect(seen.map((h) => Number(h['x-ratelimit-tokens-query-cost']))).toEqual(usages);
    // The token budget falls by each call's cost (and refills a little in between).
    const spent = usages.reduce((a, b) => a + b, 0);
    const left = Number(seen[2]!['x-ratelimit-remaining-tokens-minute']);
    expect(left).toBeGreaterThanOrEqual(100_000 - spent);
    expect(left).toBeLessThan(100_000 - spent + 100);

    const refused = await client.chat.complete({ model, messages }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SDKError);
    const e = refused as SDKError;
    expect(e.statusCode).toBe(429);
    expect(JSON.parse(e.body)).toEqual({
      object: 'error',
      message: 'Rate limit exceeded',
      type: 'rate_limited',
      param: null,
      code: '1300',
      raw_status_code: 429,
    });
    // One request every 20 s: the next one is about 20 s away.
    const retryAfter = Number(e.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(e.headers.get('x-ratelimit-remaining-req-minute')).toBe('0');
    expect(emulator.stats().rateLimited).toBe(1);

    // Another key has its own budget; budgets never show a key.
    const other = recordingClient(emulator.url, 'key-two-secret');
    await other.client.models.list();
    expect(other.seen[0]).toMatchObject({ 'x-ratelimit-remaining-req-minute': '2' });
    expect(JSON.stringify([emulator.stats(), seen, other.seen])).not.toMatch(/secret/);

    // reset() refills every budget.
    await emulator.reset();
    await client.models.list();
    expect(seen.at(-1)).toMatchObject({ 'x-ratelimit-remaining-req-minute': '2' });
  });

  it('refuses model calls once the token budget is spent, and still serves other requests', async () => {
    emulator = await startEmulator({ rateLimit: { tokensPerMinute: 10 } });
    const { client, seen } = recordingClient(emulator.url, 'k');
    const first = await client.chat.complete({ model, messages });
    expect(first.usage.totalTokens).toBeGreaterThan(10);
    expect(seen[0]).toEqual({
      'x-ratelimit-limit-tokens-minute': '10',
      'x-ratelimit-remaining-tokens-minute': '0',
      'x-ratelimit-tokens-query-cost': String(first.usage.totalTokens),
    });
    await expect(client.chat.complete({ model, messages })).rejects.toMatchObject({
      statusCode: 429,
    });
    await expect(client.beta.conversations.start({ model, inputs: 'Hi' })).rejects.toMatchObject({
      statusCode: 429,
    });
    const list = await client.models.list();
    expect(list.data?.length).toBeGreaterThan(0);
    expect(emulator.stats().rateLimited).toBe(2);
  });

  it('sends no rate-limit headers without a budget, and reads the budget flags', async () => {
    emulator = await startEmulator();
    const { client, seen } = recordingClient(emulator.url, 'k');
    await client.chat.complete({ model, messages });
    expect(seen).toEqual([{}]);
    expect(parseArgs(['--rpm', '600', '--tpm=50000'])).toEqual({
      help: false,
      options: { rateLimit: { requestsPerMinute: 600, tokensPerMinute: 50_000 } },
    });
    const invalid = await startEmulator({ rateLimit: { requestsPerMinute: 0 } }).catch(
      (e: unknown) => e,
    );
    expect(invalid).toBeInstanceOf(EmulatorConfigError);
    expect((invalid as Error).message).toBe(
      'rateLimit.requestsPerMinute must be a whole number >= 1, got 0',
    );
  });
});
