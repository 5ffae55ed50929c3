import {
  createConversation,
  defineTool,
  resumeConversation,
  conversationKey,
} from '@mistral-flows/agents';
import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTelemetry, spanKey, type StoredSpan } from '../src/index.js';
import { idOf, otelHarness, parentOf } from './support.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
});
afterEach(async () => {
  await emulator.close();
});

const model = 'mistral-large-latest';

describe('createTelemetry with a resumed conversation', () => {
  it('links the resumed turn to the turn it continues, and records the approval request and grant as events', async () => {
    const client = createClient({ serverURL: emulator.url });
    const store = new MemoryStore();
    const deleted: string[] = [];
    const deleteFile = defineTool({
      name: 'delete_file',
      description: 'Delete a file',
      parameters: z.object({ path: z.string() }),
      needsApproval: true,
      execute: ({ path }) => {
        deleted.push(path);
        return 'deleted';
      },
    });
    // The first "process": its turn stops at the approval, and it is never heard of again.
    const first = otelHarness();
    const id = 'conv-resume-1';
    const chat = createConversation({
      client,
      model,
      id,
      store,
      tools: [deleteFile],
      inspect: createTelemetry({ ...first, store }).inspect,
    });
    void chat.send('Use delete_file on "tmp/a.txt".').catch(() => undefined);
    await waitFor(
      async () => {
        const entry = await store.get<{ snapshot: { value: string } }>(conversationKey(id));
        return entry?.value.snapshot.value === 'awaitingApproval';
      },
      { what: 'the stored approval' },
    );
    const killed = (await store.get<StoredSpan>(spanKey('conversation', id)))!.value;

    const second = otelHarness();
    try {
      const resumed = await resumeConversation(id, {
        client,
        store,
        tools: [deleteFile],
        inspect: createTelemetry({ ...second, store }).inspect,
      });
      const ended = new Promise((resolve) => resumed.actor.on('turn-end', resolve));
      const call = resumed.actor.getSnapshot().context.pendingCalls[0]!;
      resumed.approve(call.id);
      await ended;
      await resumed.close();
      expect(deleted).toEqual(['tmp/a.txt']);

      const spans = second.finished();
      const turn = spans.find((s) => s.name === `invoke_agent ${model}`)!;
      expect(turn.attributes).toMatchObject({
        'gen_ai.conversation.id': id,
        'mistral_flows.resumed': true,
      });
      expect(turn.links.map((l) => l.context.spanId)).toEqual([killed.spanId]);
      expect(turn.events.map((e) => e.name)).toContain('approval.granted');
      const tool = spans.find((s) => s.name === 'execute_tool delete_file')!;
      expect(tool.attributes['gen_ai.tool.call.id']).toBe(call.id);
      expect(parentOf(tool)).toBe(idOf(turn));
      const chats = spans.filter((s) => s.name === `chat ${model}`);
      expect(chats).toHaveLength(1);
      expect(parentOf(chats[0]!)).toBe(idOf(turn));

      // The first process's turn, ended when its actor closes, asked for the approval.
      await chat.close();
      const firstTurn = first.finished().find((s) => s.name === `invoke_agent ${model}`)!;
      expect(idOf(firstTurn)).toBe(killed.spanId);
      expect(firstTurn.events.map((e) => e.name)).toContain('approval.requested');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
