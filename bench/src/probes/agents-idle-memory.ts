// Run with `node --expose-gc`: creates N idle conversations in an agent system (no history, no
// store retention) and prints the heap and RSS growth per conversation as JSON.
import { createAgentSystem } from '@mistral-flows/agents';
import type { Store } from '@mistral-flows/core';
import { Mistral } from '@mistralai/mistralai';

const count = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** A store that keeps nothing, so that only the conversations themselves are measured. */
const nullStore: Store = {
  get: () => Promise.resolve(undefined),
  set: (key, value) => Promise.resolve({ key, value, version: 1 }),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
  close: () => Promise.resolve(),
};

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
  }
};

const system = createAgentSystem({
  client: new Mistral({ serverURL: 'http://127.0.0.1:9' }),
  model: 'mistral-small-latest',
  store: nullStore,
  idleMs: 3_600_000,
});
await system.conversation('warm-up');
await settle();
const before = process.memoryUsage();
for (let i = 0; i < count; i++) await system.conversation(`c-${i}`);
await settle();
const after = process.memoryUsage();
const resident = system.stats().resident;
console.log(
  JSON.stringify({
    count,
    resident,
    heapPerConversation: (after.heapUsed - before.heapUsed) / count,
    rssPerConversation: (after.rss - before.rss) / count,
  }),
);
await system.close();
process.exit(0);
