// A conversation worker process for the conversations chaos run: createConversationWorker against
// the emulator with a Redis or Postgres store. Prints `ready <pid> <workerId>` once connected; the run kills
// it with SIGKILL at random. Its tool counts executions per call id in Redis and records a
// violation when the call's result was already stored when it ran.
import { conversationKey, defineTool } from '@mistral-flows/agents';
import { createClient, type Store } from '@mistral-flows/core';
import { createConversationWorker } from '@mistral-flows/queue';
import { Redis } from 'ioredis';
import { openStore } from './open-store.js';
import { z } from 'zod';

const [redisUrl, name, serverURL, storeKind, storeTarget, leaseMs] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];

const store: Store = await openStore(storeKind, storeTarget, redisUrl);
const redis = new Redis(redisUrl);

interface StoredContext {
  messages: Array<{ role: string; toolCallId?: string }>;
  pendingCalls: Array<{ id: string; result?: unknown }>;
}

async function resultStored(conversationId: string, callId: string): Promise<boolean> {
  const entry = await store.get<{ snapshot: { context: StoredContext } }>(
    conversationKey(conversationId),
  );
  const context = entry?.value.snapshot.context;
  if (!context) return false;
  if (context.messages.some((m) => m.role === 'tool' && m.toolCallId === callId)) return true;
  return context.pendingCalls.some((c) => c.id === callId && c.result !== undefined);
}

const lookup = defineTool({
  name: 'lookup',
  description: 'Looks an order up',
  parameters: z.object({ item: z.string() }),
  execute: async ({ item }, { conversationId, callId }) => {
    await redis.hincrby(`${name}:executions`, callId, 1);
    if (await resultStored(conversationId, callId)) {
      await redis.hincrby(`${name}:violations`, callId, 1);
    }
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 100)));
    return `${item} found`;
  },
});

const worker = createConversationWorker({
  connection: { url: redisUrl },
  name,
  client: createClient({ serverURL }),
  store,
  model: 'mistral-small-latest',
  tools: [lookup],
  leaseMs: Number(leaseMs),
  concurrency: 50,
  orderRetryMs: 100,
  maxStalledCount: 50,
  workerId: `w-${process.pid}`,
});
await worker.ready();
process.stdout.write(`ready ${process.pid} w-${process.pid}\n`);
process.once('SIGTERM', () => {
  void worker.close().then(async () => {
    await store.close();
    redis.disconnect();
    process.exit(0);
  });
});
