// One conversation of the agents chaos run, in its own process: `start` sends the audit prompt
// with createConversation, `resume` continues it with resumeConversation. Tools append each
// execution (`<callId> <name> <pid>`) to a log file before running. Prints `accepted` once the
// message is in the store, `tool-start`/`tool-done` lines, and `done` when the turn ended.
import { appendFileSync } from 'node:fs';
import {
  conversationKey,
  createConversation,
  defineTool,
  resumeConversation,
} from '@mistral-flows/agents';
import { createClient } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { z } from 'zod';

const [mode, serverURL, dbPath, id, execLog, prompt] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);
// No API key, so that core's secret redaction has nothing to rewrite in what is persisted.
const client = createClient({ serverURL: serverURL! });
const store = new SqliteStore({ path: dbPath! });

const tool = (name: string) =>
  defineTool({
    name,
    description: `Step ${name} of the audit`,
    parameters: z.object({ target: z.string() }),
    execute: async (_args, { callId }) => {
      appendFileSync(execLog!, `${callId} ${name} ${process.pid}\n`);
      say(`tool-start ${name} ${callId}`);
      await new Promise((resolve) => setTimeout(resolve, 40 + Math.floor(Math.random() * 80)));
      say(`tool-done ${name} ${callId}`);
      return `${name} ok`;
    },
  });
const tools = [tool('audit_a'), tool('audit_b'), tool('audit_c')];
const backoff = { initialDelayMs: 10 };

const conversation =
  mode === 'start'
    ? createConversation({ client, model: 'mistral-small-latest', tools, store, id: id!, backoff })
    : await resumeConversation(id!, { client, store, tools, backoff });
say(`started ${mode} ${String(conversation.actor.getSnapshot().value)}`);

if (mode === 'start') {
  void conversation.send(prompt!).catch((error: unknown) => say(`send-failed ${String(error)}`));
  const messageStored = async () =>
    ((await store.get<{ historyLength: number }>(conversationKey(id!)))?.value.historyLength ?? 0) >
    0;
  while (!(await messageStored())) await new Promise((r) => setTimeout(r, 5));
  say('accepted');
}
// The turn (the one resumed, or the one sent above) has ended and is stored.
await conversation.waitForTurn();
say('done');
await store.close();
process.exit(0);
