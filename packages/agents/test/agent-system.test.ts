import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { testWire } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgentSystem, defineTool, type AgentSystem } from '../src/index.js';

let emulator: Emulator | undefined;
let system: AgentSystem | undefined;
afterEach(async () => {
  await system?.close();
  await emulator?.close();
  system = undefined;
  emulator = undefined;
});

describe('createAgentSystem', () => {
  it('runs 1,000 conversations with at most 20 model calls in flight (emulator stats)', async () => {
    emulator = await startEmulator({ latency: { ttftMs: 5, tokenMs: 0 } });
    const client = createClient({ serverURL: emulator.url, wire: testWire() });
    const lookup = defineTool({
      name: 'lookup_order',
      description: 'Look up an order',
      parameters: z.object({ id: z.string() }),
      execute: ({ id }) => `order ${id}: shipped`,
    });
    system = createAgentSystem({
      client,
      model: 'mistral-small-latest',
      tools: [lookup],
      store: new MemoryStore(),
      maxConcurrentTurns: 20,
    });
    const s = system;
    const turns = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        s.send(
          `customer-${i}`,
          i % 10 === 0 ? `Use lookup_order for order "A-${i}".` : `Hello, I am customer ${i}.`,
        ),
      ),
    );
    expect(turns).toHaveLength(1_000);
    expect(turns.every((t) => t.text.length > 0)).toBe(true);
    expect(turns.filter((t) => t.toolResults.length === 1)).toHaveLength(100);
    const stats = emulator.stats();
    expect(stats.modelCalls.total).toBe(1_100);
    expect(stats.modelCalls.maxInFlight).toBeLessThanOrEqual(20);
    expect(stats.modelCalls.maxInFlight).toBeGreaterThan(1);
    expect(s.stats()).toMatchObject({ resident: 1_000, inFlight: 0 });
    expect(Object.keys(s.actor.getSnapshot().context.conversations)).toHaveLength(1_000);
  });

  it('passivates idle conversations to the store and rehydrates them on their next message', async () => {
    emulator = await startEmulator();
    const client = createClient({ serverURL: emulator.url, wire: testWire() });
    const store = new MemoryStore();
    system = createAgentSystem({ client, model: 'mistral-small-latest', store, idleMs: 60_000 });
    await system.send('a', 'First message.');
    await system.send('b', 'Another conversation.');
    expect(system.stats().resident).toBe(2);
    expect(await system.passivateIdle(Date.now() + 60_000)).toBe(2);
    expect(system.stats()).toMatchObject({ resident: 0, passivated: 2 });
    expect(system.actor.getSnapshot().children).toEqual({});
    expect(await store.list('conversation:')).toHaveLength(2);

    const turn = await system.send('a', 'Second message.');
    expect(turn.turn).toBe(2);
    const a = await system.conversation('a');
    expect(a.history().map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(system.stats().resident).toBe(1);
  });
});
