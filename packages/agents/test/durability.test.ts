import { createClient, MemoryStore, type SetOptions, type StoreEntry } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { testWire, waitFor } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AgentsError,
  conversationKey,
  createAgentSystem,
  createConversation,
  defineTool,
  resumeConversation,
  type AgentSystem,
  type Conversation,
  type ConversationOptions,
  type PersistedConversation,
} from '../src/index.js';

const model = 'mistral-small-latest';
const fastBackoff = { initialDelayMs: 1, maxDelayMs: 5 };

let emulator: Emulator | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await emulator?.close();
  emulator = undefined;
});

async function start(options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator(options);
  return { emulator, client: createClient({ serverURL: emulator.url, wire: testWire() }) };
}

function open(options: ConversationOptions): Conversation {
  const conversation = createConversation({ backoff: fastBackoff, ...options });
  closers.push(() => conversation.close().catch(() => undefined));
  return conversation;
}

/** The stored record's messages, as a reader that does not restore the actor sees them. */
async function storedMessages(store: MemoryStore, id: string) {
  const entry = await store.get<PersistedConversation>(conversationKey(id));
  const snapshot = entry?.value.snapshot as
    { context: { messages: Array<{ role: string; content: string }> } } | undefined;
  return snapshot?.context.messages ?? [];
}

/** A memory store whose next `failures` writes fail, as a full disk or a lost connection would. */
class FailingStore extends MemoryStore {
  failures = 0;
  writes = 0;
  override async set<T>(key: string, value: T, options?: SetOptions): Promise<StoreEntry<T>> {
    this.writes++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('disk full');
    }
    return super.set(key, value, options);
  }
}

/**
 * A memory store whose writes wait while it is held, so that a test decides when a write lands.
 */
class GatedStore extends MemoryStore {
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  waiting = 0;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = undefined;
    this.open?.();
  }

  override async set<T>(key: string, value: T, options?: SetOptions): Promise<StoreEntry<T>> {
    while (this.gate) {
      this.waiting++;
      await this.gate;
      this.waiting--;
    }
    return super.set(key, value, options);
  }
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('conversation records', () => {
  it('refuse to create a conversation over a stored one, and keep its history', async () => {
    const { client } = await start();
    const store = new MemoryStore();
    const first = open({ client, model, store, id: 'taken' });
    await first.send('One.');
    await first.send('Two.');
    await first.close();
    expect(await storedMessages(store, 'taken')).toHaveLength(4);

    const again = open({ client, model, store, id: 'taken' });
    const error = await rejection(again.flush());
    expect(AgentsError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'conversation_exists' });
    expect((error as Error).message).toContain('resumeConversation("taken")');
    expect(await rejection(again.send('Three.'))).toMatchObject({ code: 'conversation_exists' });
    expect(await storedMessages(store, 'taken')).toHaveLength(4);
  });

  it('give the second of two writers of one conversation a typed conflict, never an overwrite', async () => {
    const { client } = await start();
    const store = new MemoryStore();
    const first = open({ client, model, store, id: 'shared' });
    await first.send('Hello.');
    await first.close();
    // Both copies read version 1 before either writes.
    const a = await resumeConversation('shared', { client, store });
    const b = await resumeConversation('shared', { client, store });
    closers.push(
      () => a.close().catch(() => undefined),
      () => b.close().catch(() => undefined),
    );
    const outcomes = await Promise.allSettled([a.send('From A.'), b.send('From B.')]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const conflict = (lost[0] as PromiseRejectedResult).reason as AgentsError;
    expect(AgentsError.isInstance(conflict)).toBe(true);
    expect(conflict.code).toBe('conversation_conflict');
    const winner = outcomes[0].status === 'fulfilled' ? 'From A.' : 'From B.';
    const messages = await storedMessages(store, 'shared');
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[2]!.content).toBe(winner);
    // The loser stopped without writing; resuming it again continues from what is stored.
    const again = await resumeConversation('shared', { client, store });
    closers.push(() => again.close());
    expect((await again.send('After the conflict.')).turn).toBe(3);
  });

  it('fail the turn with a typed error when a write still fails after its retries, and resume continues', async () => {
    const { client, emulator } = await start();
    const store = new FailingStore();
    const chat = open({ client, model, store, id: 'disk-full' });
    await chat.send('First.');
    const calls = emulator.stats().modelCalls.total;
    store.failures = Number.POSITIVE_INFINITY;
    const error = await rejection(chat.send('Second.'));
    expect(AgentsError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'conversation_persist_failed' });
    expect(((error as Error).cause as Error).message).toBe('disk full');
    expect(store.writes).toBeGreaterThan(3);
    // Nothing else is written or paid for: the copy stopped, and says so.
    expect(await rejection(chat.send('Third.'))).toMatchObject({
      code: 'conversation_persist_failed',
    });
    expect(emulator.stats().modelCalls.total).toBeLessThanOrEqual(calls + 1);

    store.failures = 0;
    expect(await storedMessages(store, 'disk-full')).toHaveLength(2);
    const resumed = await resumeConversation('disk-full', { client, store });
    closers.push(() => resumed.close());
    const turn = await resumed.send('Second, again.');
    expect(turn.turn).toBe(2);
    expect((await storedMessages(store, 'disk-full')).map((m) => m.content)).toContain(
      'Second, again.',
    );
  });

  it('retry a write that fails for a moment, and resolve the turn once it is stored', async () => {
    const { client } = await start();
    const store = new FailingStore();
    const chat = open({ client, model, store, id: 'blip' });
    await chat.flush();
    store.failures = 2;
    const turn = await chat.send('Hello.');
    expect(turn.turn).toBe(1);
    expect(store.failures).toBe(0);
    expect(await storedMessages(store, 'blip')).toHaveLength(2);
  });

  it('resolve send() only after the turn is in the store', async () => {
    const { client } = await start();
    const store = new GatedStore();
    const chat = open({ client, model, store, id: 'gated' });
    await chat.flush();
    store.hold();
    let resolved = false;
    const sent = chat.send('Hello.').then((turn) => {
      resolved = true;
      return turn;
    });
    await waitFor(() => chat.state() === 'idle' && store.waiting > 0, {
      what: 'the answer, waiting for its write',
    });
    expect(resolved).toBe(false);
    store.release();
    expect((await sent).turn).toBe(1);
    expect(await storedMessages(store, 'gated')).toHaveLength(2);
  });
});

describe('model calls that never answer', () => {
  for (const streaming of [false, true]) {
    it(`fail after the client's timeout (${streaming ? 'streamed' : 'plain'} turns)`, async () => {
      const { emulator } = await start();
      const client = createClient({ serverURL: emulator.url, timeoutMs: 200, wire: testWire() });
      const chat = open({
        client,
        model,
        store: new MemoryStore(),
        maxRetries: 0,
        streaming,
        streamOptions: { headers: { 'x-emulator-fault': 'timeout' } },
      });
      const error = await rejection(chat.send('Hello?'));
      expect(error).toMatchObject({ code: 'conversation_failed' });
      expect((error as Error).cause).toMatchObject({ code: 'timeout' });
      expect(chat.state()).toBe('failed');
    });
  }
});

describe('waitForTurn', () => {
  it('resolves with the turn a resumed conversation finishes', async () => {
    const { client } = await start();
    const store = new MemoryStore();
    const deleteFile = defineTool({
      name: 'delete_file',
      description: 'Delete a file',
      parameters: z.object({ path: z.string() }),
      needsApproval: true,
      execute: () => 'deleted',
    });
    const chat = open({ client, model, store, id: 'approval', tools: [deleteFile] });
    void rejection(chat.send('Use delete_file on "tmp/a.txt".'));
    await waitFor(() => chat.state() === 'awaitingApproval', { what: 'the approval request' });
    await chat.close();

    const resumed = await resumeConversation('approval', { client, store, tools: [deleteFile] });
    closers.push(() => resumed.close());
    const finished = resumed.waitForTurn();
    const call = resumed.actor.getSnapshot().context.pendingCalls[0]!;
    resumed.approve(call.id);
    const turn = await finished;
    expect(turn).toMatchObject({ turn: 1, toolResults: [{ ok: true, content: 'deleted' }] });
    // Once idle, it gives the last turn (after its write).
    expect(await resumed.waitForTurn()).toEqual(turn);
  });
});

describe('agent system passivation', () => {
  let system: AgentSystem | undefined;
  afterEach(async () => {
    await system?.close();
    system = undefined;
  });

  /** Races one send against a passivation that `delay` microtasks ahead of it. */
  async function race(s: AgentSystem, id: string, delay: number, text: string) {
    const passivating = s.passivateIdle(Date.now() + 60_000);
    for (let i = 0; i < delay; i++) await Promise.resolve();
    const sent = s.send(id, text);
    const deadline = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`send at microtask ${delay} never settled`)), 5_000),
    );
    return Promise.race([Promise.all([passivating, sent]), deadline]);
  }

  it('never loses a send that arrives while its conversation is passivated', async () => {
    const { client } = await start();
    const store = new MemoryStore();
    system = createAgentSystem({ client, model, store, idleMs: 60_000 });
    await system.send('c', 'Message 0.');
    let turns = 1;
    for (let delay = 0; delay < 40; delay++) {
      const [, turn] = await race(system, 'c', delay, `Message ${delay + 1}.`);
      expect(turn.turn).toBe(++turns);
    }
    const c = await system.conversation('c');
    await c.flush();
    const contents = (await storedMessages(store, 'c')).map((m) => m.content);
    for (let i = 0; i <= 40; i++) expect(contents).toContain(`Message ${i}.`);
  });

  it('never loses a send that arrives while the passivation waits for a write', async () => {
    const { client } = await start();
    const store = new GatedStore();
    system = createAgentSystem({ client, model, store, idleMs: 60_000 });
    const s = system;
    await s.send('g', 'First.');
    for (let round = 0; round < 10; round++) {
      store.hold();
      const first = s.send('g', `Held ${round}.`);
      const c = await s.conversation('g');
      await waitFor(() => c.state() === 'idle' && store.waiting > 0, {
        what: 'an answer waiting for its write',
      });
      const passivating = s.passivateIdle(Date.now() + 60_000);
      const second = s.send('g', `During ${round}.`);
      store.release();
      const [, a, b] = await Promise.all([passivating, first, second]);
      expect(b.turn).toBe(a.turn + 1);
    }
    const c = await s.conversation('g');
    await c.flush();
    const contents = (await storedMessages(store, 'g')).map((m) => m.content);
    for (let round = 0; round < 10; round++) {
      expect(contents).toContain(`Held ${round}.`);
      expect(contents).toContain(`During ${round}.`);
    }
  });

  it('refuses a send on a handle it passivated, with a typed error', async () => {
    const { client } = await start();
    system = createAgentSystem({ client, model, store: new MemoryStore(), idleMs: 60_000 });
    const stale = await system.conversation('old');
    await stale.send('Hello.');
    expect(await system.passivateIdle(Date.now() + 60_000)).toBe(1);
    expect(await rejection(stale.send('Again.'))).toMatchObject({ code: 'conversation_closed' });
    expect((await system.send('old', 'Again.')).turn).toBe(2);
  });
});
