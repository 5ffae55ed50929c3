import { SDKError } from '@mistralai/mistralai/models/errors';
import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';
import { parseSse } from './support/openapi-validator.js';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';
const messages = [{ role: 'user' as const, content: 'Write about lighthouses and the sea' }];
const fault = (value: string, extra: Record<string, string> = {}) => ({
  headers: { 'x-emulator-fault': value, ...extra },
});

describe('x-emulator-fault', () => {
  it('injects 429 with Retry-After (1 s by default or as given), 500 and 503', async () => {
    const { client, emulator } = await startTestEmulator();
    const e429 = (await client.chat
      .complete({ model, messages }, fault('429'))
      .catch((e: unknown) => e)) as SDKError;
    expect(e429).toBeInstanceOf(SDKError);
    expect(e429.statusCode).toBe(429);
    expect(e429.headers.get('retry-after')).toBe('1');
    const e429b = (await client.chat
      .complete({ model, messages }, fault('429:7'))
      .catch((e: unknown) => e)) as SDKError;
    expect(e429b.headers.get('retry-after')).toBe('7');
    await expect(client.chat.complete({ model, messages }, fault('500'))).rejects.toMatchObject({
      statusCode: 500,
    });
    await expect(client.models.list(undefined, fault('503'))).rejects.toMatchObject({
      statusCode: 503,
    });
    expect(emulator.stats().faultsInjected).toEqual({ '429': 2, '500': 1, '503': 1 });
  });

  it('fires only on the first k attempts with x-emulator-fault-times, so a retry succeeds', async () => {
    const { client, emulator } = await startTestEmulator();
    const retries = {
      strategy: 'backoff' as const,
      backoff: { initialInterval: 1, maxInterval: 5, exponent: 1.1, maxElapsedTime: 10_000 },
    };
    const res = await client.chat.complete(
      { model, messages },
      { ...fault('429', { 'x-emulator-fault-times': '2' }), retries },
    );
    expect(res.choices[0]!.finishReason).toBe('stop');
    expect(emulator.stats().requests['POST /v1/chat/completions']).toBe(3);
    expect(emulator.stats().faultsInjected['429']).toBe(2);

    // With an explicit request key, attempts are counted per key, whatever the body.
    const keyed = { 'x-emulator-fault-times': '1', 'x-emulator-request-key': 'job-7' };
    await expect(client.models.list(undefined, fault('503', keyed))).rejects.toMatchObject({
      statusCode: 503,
    });
    await expect(client.models.list(undefined, fault('503', keyed))).resolves.toHaveProperty(
      'data',
    );
  });

  it('holds a request with timeout until the client gives up', async () => {
    const { client, emulator } = await startTestEmulator();
    await expect(
      client.chat.complete({ model, messages }, { ...fault('timeout'), timeoutMs: 200 }),
    ).rejects.toMatchObject({
      name: 'RequestTimeoutError',
    });
    expect(emulator.stats().faultsInjected.timeout).toBe(1);
    await waitFor(() => emulator.stats().modelCalls.inFlight === 0, {
      what: 'the held call to end',
    });
  });

  it('drops a stream after the role chunk and exactly n content chunks, without [DONE]', async () => {
    const { client, url } = await startTestEmulator();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-emulator-fault': 'drop-after:3' },
      body: JSON.stringify({ model, messages, stream: true }),
    });
    let text = '';
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        text += decoder.decode(value, { stream: true });
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    const events = parseSse(text);
    expect(events).toHaveLength(4);
    expect(events.some((e) => e.data === '[DONE]')).toBe(false);
    const chunks = events.map(
      (e) => JSON.parse(e.data) as { choices: { delta: { role?: string; content?: string } }[] },
    );
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(
      chunks
        .slice(1)
        .every(
          (c) =>
            typeof c.choices[0]!.delta.content === 'string' && c.choices[0]!.delta.content !== '',
        ),
    ).toBe(true);

    // Through the SDK: three text deltas arrive, then the iteration fails.
    const stream = await client.chat.stream({ model, messages }, fault('drop-after:3'));
    const deltas: string[] = [];
    const sdkFailure = await (async () => {
      for await (const event of stream) {
        const content = event.data.choices[0]?.delta.content;
        if (typeof content === 'string' && content !== '') deltas.push(content);
      }
    })().catch((e: unknown) => e);
    expect(sdkFailure).toBeInstanceOf(Error);
    expect(deltas).toHaveLength(3);
  });

  it('drops a non-streamed answer before any byte and a conversation stream after n deltas', async () => {
    const { client } = await startTestEmulator();
    await expect(
      client.chat.complete({ model, messages }, fault('drop-after:2')),
    ).rejects.toMatchObject({
      name: 'ConnectionError',
    });
    const stream = await client.beta.conversations.startStream(
      { model, inputs: 'Tell me about owls' },
      fault('drop-after:2'),
    );
    const types: string[] = [];
    const failure = await (async () => {
      for await (const event of stream) types.push(event.event);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(types).toEqual([
      'conversation.response.started',
      'message.output.delta',
      'message.output.delta',
    ]);
  });

  it('delays with slow:<ms> and then answers normally', async () => {
    const { client, emulator } = await startTestEmulator();
    const res = await client.chat.complete({ model, messages }, fault('slow:30'));
    expect(res.choices[0]!.finishReason).toBe('stop');
    expect(emulator.stats().faultsInjected.slow).toBe(1);
  });

  it('rejects an unknown fault with 400', async () => {
    const { client } = await startTestEmulator();
    await expect(client.models.list(undefined, fault('explode'))).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});

describe('faults.rate', () => {
  it('fails a reproducible share of model calls for a given seed', async () => {
    const run = async () => {
      const { client, emulator } = await startTestEmulator({ faults: { rate: 0.5, seed: 42 } });
      const outcomes: (number | 'ok')[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await client.chat.complete({ model, messages }).then(
            () => 'ok' as const,
            (e: SDKError) => e.statusCode,
          ),
        );
      }
      await emulator.close();
      return outcomes;
    };
    const first = await run();
    const second = await run();
    expect(first).toEqual(second);
    const failures = first.filter((o) => o !== 'ok');
    expect(failures.length).toBeGreaterThan(3);
    expect(failures.length).toBeLessThan(17);
    expect(new Set(failures).size).toBeGreaterThan(1);
    for (const status of failures) expect([429, 500, 503]).toContain(status);
  });
});
