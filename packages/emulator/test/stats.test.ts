import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';
const messages = [{ role: 'user' as const, content: 'Tell me a story about dragons' }];

describe('stats and reset', () => {
  it('counts requests by route, model calls, streams and tool calls, over HTTP too', async () => {
    const { client, url, emulator } = await startTestEmulator();
    await client.chat.complete({ model, messages });
    for await (const _ of await client.chat.stream({ model, messages })) void _;
    await client.models.list();
    await client.chat.complete({
      model,
      messages: [{ role: 'user', content: 'roll_dice please' }],
      tools: [
        {
          type: 'function',
          function: { name: 'roll_dice', parameters: { type: 'object', properties: {} } },
        },
      ],
    });
    const stats = emulator.stats();
    expect(stats.requests).toEqual({ 'POST /v1/chat/completions': 3, 'GET /v1/models': 1 });
    expect(stats.modelCalls).toMatchObject({ total: 3, inFlight: 0 });
    expect(stats.completedStreams).toBe(1);
    expect(stats.openStreams).toBe(0);
    expect(stats.toolCalls).toBe(1);
    const overHttp = (await (await fetch(`${url}/_emulator/stats`)).json()) as typeof stats;
    expect(overHttp).toMatchObject({
      requests: stats.requests,
      modelCalls: stats.modelCalls,
      toolCalls: 1,
    });
    expect(overHttp).toHaveProperty('jobsByMetadata');

    await client.beta.agents.create({ model, name: 'a' });
    const reset = await fetch(`${url}/_emulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const after = emulator.stats();
    expect(after.requests).toEqual({});
    expect(after.modelCalls.total).toBe(0);
    expect(after.agents).toBe(0);
    expect(await client.beta.agents.list({})).toEqual([]);
  });

  it('tracks calls in flight and their peak', async () => {
    const { client, emulator } = await startTestEmulator();
    const controller = new AbortController();
    const held = Array.from({ length: 5 }, () =>
      client.chat
        .complete(
          { model, messages },
          { headers: { 'x-emulator-fault': 'timeout' }, signal: controller.signal },
        )
        .catch((e: unknown) => e),
    );
    await waitFor(() => emulator.stats().modelCalls.inFlight === 5, { what: '5 calls in flight' });
    controller.abort();
    await Promise.all(held);
    await waitFor(() => emulator.stats().modelCalls.inFlight === 0, { what: 'no call in flight' });
    expect(emulator.stats().modelCalls).toEqual({ total: 5, inFlight: 0, maxInFlight: 5 });
    await emulator.reset();
    expect(emulator.stats().modelCalls.maxInFlight).toBe(0);
  });
});
