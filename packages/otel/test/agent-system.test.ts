import { createAgentSystem } from '@mistral-flows/agents';
import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator } from '@mistral-flows/emulator';
import { describe, expect, it } from 'vitest';
import { createTelemetry, spanKey, type StoredSpan } from '../src/index.js';
import { idOf, otelHarness, parentOf } from './support.js';

describe('createTelemetry with an agent system', () => {
  it('keeps each concurrent turn with its own chat spans, and links a turn after a passivation to the one before', async () => {
    const emulator = await startEmulator({ latency: { ttftMs: 5, tokenMs: 1 } });
    const otel = otelHarness();
    const store = new MemoryStore();
    const system = createAgentSystem({
      client: createClient({ serverURL: emulator.url }),
      model: 'mistral-small-latest',
      store,
      inspect: createTelemetry({ ...otel, store }).inspect,
    });
    try {
      const ids = ['alice', 'bob', 'carol', 'dave'];
      await Promise.all(ids.map((id) => system.send(id, `Hello from ${id}.`)));
      const firstTurns = new Map(
        await Promise.all(
          ids.map(
            async (id) =>
              [id, (await store.get<StoredSpan>(spanKey('conversation', id)))!.value] as const,
          ),
        ),
      );
      expect(await system.passivateIdle(Date.now() + 3_600_000)).toBe(ids.length);
      await system.send('alice', 'Again.');

      const spans = otel.finished();
      const turns = spans.filter((s) => s.name === 'invoke_agent mistral-small-latest');
      expect(turns).toHaveLength(ids.length + 1);
      for (const id of ids) {
        const [first] = turns.filter((t) => t.attributes['gen_ai.conversation.id'] === id);
        const chats = spans.filter(
          (s) => s.name.startsWith('chat ') && s.attributes['gen_ai.conversation.id'] === id,
        );
        expect(chats.length).toBeGreaterThanOrEqual(1);
        expect(parentOf(chats[0]!)).toBe(idOf(first!));
        expect(idOf(first!)).toBe(firstTurns.get(id)!.spanId);
      }
      // Alice came back from the store: her second turn links to her first.
      const again = turns.filter((t) => t.attributes['gen_ai.conversation.id'] === 'alice')[1]!;
      expect(again.links.map((l) => l.context.spanId)).toEqual([firstTurns.get('alice')!.spanId]);
      expect(again.attributes['mistral_flows.resumed']).toBe(true);
    } finally {
      await system.close();
      await emulator.close();
      await otel.close();
    }
  });
});
