import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/index.js';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';
const messages = [{ role: 'user' as const, content: 'Describe the northern lights in detail' }];

function countResources(kind: string): number {
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

describe('stream lifecycle', () => {
  it('counts a client that leaves mid-stream as an aborted stream', async () => {
    const { client, emulator } = await startTestEmulator({ latency: { ttftMs: 0, tokenMs: 20 } });
    const controller = new AbortController();
    const stream = await client.chat.stream({ model, messages }, { signal: controller.signal });
    let chunks = 0;
    await (async () => {
      for await (const _ of stream) {
        void _;
        if (++chunks === 2) controller.abort();
      }
    })().catch(() => undefined);
    await waitFor(() => emulator.stats().abortedStreams === 1, { what: 'the aborted stream' });
    expect(emulator.stats()).toMatchObject({
      openStreams: 0,
      completedStreams: 0,
      abortedStreams: 1,
    });
    await waitFor(() => emulator.stats().activeTimers === 0, { what: 'the stream timer to clear' });
  });

  it('closes with many open streams and leaves no socket or timer behind', async () => {
    const sockets = countResources('TCPSocketWrap');
    const timers = countResources('Timeout');
    const servers = countResources('TCPServerWrap');
    const emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 50 } });
    const readers = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const res = await fetch(`${emulator.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages, stream: true, max_tokens: 1000 }),
        });
        const reader = res.body!.getReader();
        await reader.read();
        return reader;
      }),
    );
    expect(emulator.stats().openStreams).toBe(40);
    expect(emulator.stats().activeTimers).toBe(40);
    const ends = readers.map(async (reader) => {
      for (;;) if ((await reader.read()).done) return 'ended';
    });
    await emulator.close();
    const outcomes = await Promise.all(ends.map((p) => p.catch(() => 'failed')));
    expect(outcomes.every((o) => o === 'failed' || o === 'ended')).toBe(true);
    const after = emulator.stats();
    expect(after.activeTimers).toBe(0);
    expect(after.openStreams).toBe(0);
    await waitFor(() => emulator.stats().openConnections === 0, { what: 'connections to close' });
    await waitFor(
      () =>
        countResources('TCPSocketWrap') <= sockets &&
        countResources('TCPServerWrap') <= servers &&
        countResources('Timeout') <= timers,
      { what: 'sockets, servers and timers to be released' },
    );
  });
});
