// A conversation worker process for the takeover and conversations benchmarks:
// createConversationWorker against the emulator with a Redis or Postgres store, worker id
// `w-<pid>`. Prints `ready <pid> <workerId>` once connected; `no-watch` as the last argument turns
// the watch of other workers' leases off. Its `hang` tool, the first time it runs for a call,
// pushes `<workerId> <callId>` to `<name>:hanging` and never returns, so that the benchmark knows
// whom to SIGKILL; run again for the same call (on the worker that took the action over), it
// returns at once.
import { defineTool } from '@mistral-flows/agents';
import { createClient, type Store } from '@mistral-flows/core';
import { createConversationWorker } from '@mistral-flows/queue';
import { Redis } from 'ioredis';
import { openStore } from './open-store.js';
import { z } from 'zod';

const [redisUrl, name, serverURL, storeKind, storeTarget, leaseMs, watch] = process.argv.slice(
  2,
) as [string, string, string, string, string, string, string];

const store: Store = await openStore(storeKind, storeTarget, redisUrl);
const redis = new Redis(redisUrl);
const workerId = `w-${process.pid}`;

const hang = defineTool({
  name: 'hang',
  description: 'Hangs the first time it runs for a call',
  parameters: z.object({}),
  execute: async (_args, { callId }) => {
    if (await redis.set(`${name}:hang:${callId}`, workerId, 'NX')) {
      await redis.rpush(`${name}:hanging`, `${workerId} ${callId}`);
      // Until this process is killed.
      await new Promise<never>(() => undefined);
    }
    return 'done';
  },
});

const worker = createConversationWorker({
  connection: { url: redisUrl },
  name,
  client: createClient({ serverURL }),
  store,
  model: 'mistral-small-latest',
  tools: [hang],
  leaseMs: Number(leaseMs),
  workerId,
  streaming: false,
  watchLeases: watch !== 'no-watch',
});
await worker.ready();
process.stdout.write(`ready ${process.pid} ${workerId}\n`);
process.once('SIGTERM', () => {
  void worker.close().then(async () => {
    await store.close();
    redis.disconnect();
    process.exit(0);
  });
});
