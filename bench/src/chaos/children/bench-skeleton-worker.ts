// The worker side of an action's round trips without a conversation (`skeletonWorker`), in a
// process of its own, for the conversations benchmark's floor. Prints `ready` once connected.
import { RedisStore } from '@mistral-flows/core/redis';
import { skeletonWorker } from '../../skeleton-action.js';

const [redisUrl, name, namespace] = process.argv.slice(2) as [string, string, string];
const store = new RedisStore({ url: redisUrl, namespace });
const worker = skeletonWorker(name, store, redisUrl);
await worker.ready();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void worker.close().then(async () => {
    await store.close();
    process.exit(0);
  });
});
