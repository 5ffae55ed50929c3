import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { createClient } from '@mistral-flows/core';
import { testWire } from '@mistral-flows/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  conversationKey,
  createConversation,
  type ConversationMessage,
  type PersistedConversation,
} from '../src/index.js';

/**
 * Several processes write one conversation in one SQLite file: every writer reads the store
 * before any writes (each says "ready" and waits for "go"), so the interleaving is forced.
 */
const fixture = fileURLToPath(new URL('./fixtures/writer-child.mjs', import.meta.url));

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-agents-writers-'));
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  ok: boolean;
  turn?: number;
  code?: string;
  message?: string;
}

async function writers(
  db: string,
  id: string,
  modes: Array<'resume' | 'create'>,
): Promise<Outcome[]> {
  const children = modes.map((mode, i) =>
    spawn(process.execPath, [fixture, mode, emulator.url, db, id, `From writer ${i}.`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = children.map((c) => createInterface({ input: c.stdout })[Symbol.asyncIterator]());
  const next = async (i: number) => {
    const line = await lines[i]!.next();
    if (line.done) throw new Error(`writer ${i} exited early`);
    return line.value;
  };
  for (let i = 0; i < children.length; i++) expect(await next(i)).toBe('ready');
  for (const child of children) child.stdin.write('go\n');
  const outcomes: Outcome[] = [];
  for (let i = 0; i < children.length; i++) outcomes.push(JSON.parse(await next(i)) as Outcome);
  for (const child of children) child.stdin.end();
  return outcomes;
}

async function storedMessages(db: string, id: string): Promise<ConversationMessage[]> {
  const store = new SqliteStore({ path: db });
  try {
    const entry = await store.get<PersistedConversation>(conversationKey(id));
    const snapshot = entry?.value.snapshot as unknown as {
      context: { messages: ConversationMessage[] };
    };
    return snapshot.context.messages;
  } finally {
    await store.close();
  }
}

async function seed(db: string, id: string): Promise<void> {
  const store = new SqliteStore({ path: db });
  const chat = createConversation({
    client: createClient({ serverURL: emulator.url, wire: testWire() }),
    model: 'mistral-small-latest',
    store,
    id,
  });
  await chat.send('Hello.');
  await chat.close();
  await store.close();
}

describe('one conversation written by several processes', () => {
  it('keeps the turn of exactly one of two resumed writers; the other gets a typed conflict', async () => {
    const db = join(dir, 'two.db');
    await seed(db, 'shared');
    const outcomes = await writers(db, 'shared', ['resume', 'resume']);
    const won = outcomes.filter((o) => o.ok);
    const lost = outcomes.filter((o) => !o.ok);
    expect(won).toEqual([{ ok: true, turn: 2 }]);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'conversation_conflict' });
    const messages = await storedMessages(db, 'shared');
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    const winner = outcomes.indexOf(won[0]!);
    expect(messages[2]).toMatchObject({ content: `From writer ${winner}.` });
  });

  it('refuses a process that creates a conversation under a stored id, and keeps the history', async () => {
    const db = join(dir, 'create.db');
    await seed(db, 'taken');
    const [outcome] = await writers(db, 'taken', ['create']);
    expect(outcome).toMatchObject({ ok: false, code: 'conversation_exists' });
    expect(await storedMessages(db, 'taken')).toHaveLength(2);
  });
});
