// A chat worker process for the queue chaos run: createChatWorker against the emulator (through
// the run's recording proxy), delivering signed webhooks on a compressed retry schedule. Prints
// `ready` once its workers are connected; the run kills one of two with SIGKILL.
import { createClient } from '@mistral-flows/core';
import { createChatWorker } from '@mistral-flows/queue';

const [redisUrl, name, serverURL, secret, scheduleArg] = process.argv.slice(2);
const chatWorker = createChatWorker({
  connection: { url: redisUrl! },
  client: createClient({ serverURL: serverURL! }),
  name: name!,
  concurrency: 5,
  limiter: false,
  // Locks short enough that the killed worker's jobs are found stalled within seconds, long
  // enough that a live worker on a busy 2-core machine keeps its locks.
  lockDuration: 5_000,
  stalledInterval: 1_000,
  maxStalledCount: 3,
  webhook: {
    secret: secret!,
    allowHosts: ['127.0.0.1'],
    retrySchedule: scheduleArg!.split(',').map(Number),
    timeoutMs: 2_000,
    concurrency: 10,
  },
});
await chatWorker.worker.waitUntilReady();
await chatWorker.webhooks!.worker!.waitUntilReady();
process.stdout.write(`ready ${process.pid}\n`);
process.once('SIGTERM', () => {
  void chatWorker.close().then(() => process.exit(0));
});
