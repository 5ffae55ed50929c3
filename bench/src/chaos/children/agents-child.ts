// One conversation of the agents chaos run, in its own process: `start` sends the audit prompt
// with createConversation, `resume` continues it with resumeConversation. Tools append each
// execution (`<callId> <name> <pid>`) to a log file before running. Prints `accepted` once the
// conversation is in its store, `tool-start`/`tool-done` lines, and `done` when the turn ended.
import { appendFileSync } from 'node:fs';
import {
  conversationKey,
  createConversation,
  defineTool,
  resumeConversation,
} from '@mistral-flows/agents';
import { createClient, SqliteStore } from '@mistral-flows/core';
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

const finished = new Promise<void>((resolve) => {
  const check = (s: ReturnType<typeof conversation.actor.getSnapshot>) => {
    if (s.matches('idle') && s.context.lastTurn?.turn === 1) resolve();
  };
  check(conversation.actor.getSnapshot());
  conversation.actor.subscribe(check);
});
if (mode === 'start') {
  void conversation.send(prompt!).catch((error: unknown) => say(`send-failed ${String(error)}`));
  while (!(await store.get(conversationKey(id!)))) await new Promise((r) => setTimeout(r, 5));
  say('accepted');
}
await finished;
await conversation.flush();
say('done');
await store.close();
process.exit(0);
