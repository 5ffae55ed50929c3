import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, createClient, mapConcurrent, RateLimiter } from '../src/index.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** The emulator's budget: 120 requests per minute per key, two back every second. */
const BUDGET = 120;
/** More calls than the budget holds. */
const CALLS = 128;

async function run(client: ReturnType<typeof createClient>, limiter: RateLimiter) {
  const settled = await mapConcurrent(
    Array.from({ length: CALLS }, (_, i) => i),
    (i) =>
      client.chat.complete({
        model: 'mistral-small-latest',
        messages: [{ role: 'user', content: `Question ${i} about the tides` }],
        maxTokens: 8,
      }),
    { concurrency: 8, rateLimiter: limiter },
  );
  return settled.map((s) => (s.status === 'fulfilled' ? 'ok' : classifyError(s.reason).code));
}

describe('createClient({ rateLimiter }) against the emulator', () => {
  it.each(['sdk', 'fast'] as const)(
    'slows down before the budget runs out: more calls than the budget, not one 429 (%s wire)',
    async (wire) => {
      emulator = await startEmulator({ rateLimit: { requestsPerMinute: BUDGET } });
      // The limiter's own budget is far above the server's; only the headers hold calls back.
      const limiter = new RateLimiter({ requests: 10_000, intervalMs: 1_000 });
      const client = createClient({
        serverURL: emulator.url,
        apiKey: 'k',
        rateLimiter: limiter,
        wire,
      });
      const outcomes = await run(client, limiter);
      expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
      expect(emulator.stats()).toMatchObject({
        rateLimited: 0,
        requests: { 'POST /v1/chat/completions': CALLS },
      });
    },
  );

  it('without it, the same calls run into 429s', async () => {
    emulator = await startEmulator({ rateLimit: { requestsPerMinute: BUDGET } });
    const limiter = new RateLimiter({ requests: 10_000, intervalMs: 1_000 });
    const client = createClient({ serverURL: emulator.url, apiKey: 'k' });
    const outcomes = await run(client, limiter);
    const refused = outcomes.filter((o) => o !== 'ok');
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['rate_limited']));
    expect(emulator.stats().rateLimited).toBe(refused.length);
  });

  it('feeds a 429 Retry-After to the limiter: every caller pauses', async () => {
    emulator = await startEmulator();
    const limiter = new RateLimiter({ requests: 10_000, intervalMs: 1_000 });
    const client = createClient({ serverURL: emulator.url, apiKey: 'k', rateLimiter: limiter });
    await expect(
      client.models.list(undefined, { headers: { 'x-emulator-fault': '429:30' } }),
    ).rejects.toMatchObject({ statusCode: 429 });
    expect(limiter.tryAcquire()).toBe(false);
  });

  it('feeds a 429 Retry-After on the fast wire to the limiter too', async () => {
    emulator = await startEmulator();
    const limiter = new RateLimiter({ requests: 10_000, intervalMs: 1_000 });
    const client = createClient({
      serverURL: emulator.url,
      apiKey: 'k',
      rateLimiter: limiter,
      wire: 'fast',
    });
    const request = {
      model: 'mistral-small-latest',
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    await expect(
      client.chat.complete(request, { headers: { 'x-emulator-fault': '429:30' } }),
    ).rejects.toMatchObject({ statusCode: 429 });
    expect(limiter.tryAcquire()).toBe(false);
  });
});
