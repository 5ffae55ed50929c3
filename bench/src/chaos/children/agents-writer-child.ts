// One of two processes that resume the same stored conversation and send to it at once (the
// agents-writers chaos run). Says `ready` once it has read the store, waits for `go` on stdin,
// sends one message and prints one JSON line: the turn number, or the error's code.
import { createInterface } from 'node:readline';
import { resumeConversation } from '@mistral-flows/agents';
import { createClient } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';

const [serverURL, dbPath, id, text] = process.argv.slice(2);
const client = createClient({ serverURL: serverURL! });
const store = new SqliteStore({ path: dbPath! });
const conversation = await resumeConversation(id!, { client, store });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line === 'go') break;

let outcome: { ok: boolean; turn?: number; code?: string };
try {
  outcome = { ok: true, turn: (await conversation.send(text!)).turn };
} catch (error) {
  outcome = { ok: false, code: String((error as { code?: unknown }).code) };
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
await store.close();
process.exit(0);
