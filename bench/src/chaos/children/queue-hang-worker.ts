// A chat worker process for the chaos run of a model that never answers: createChatWorker against
// the emulator (through the run's recording proxy) with a short deadline on every model call,
// either the worker's `timeoutMs` (mode `worker`) or the timeout the SDK client was built with
// (mode `client`). Prints `ready` once connected; the run stops it with SIGTERM.
import { createClient } from '@mistral-flows/core';
import { createChatWorker } from '@mistral-flows/queue';

const [redisUrl, name, serverURL, secret, mode, timeoutArg, attemptsArg] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg);
const chatWorker = createChatWorker({
  connection: { url: redisUrl! },
  client: createClient({
    serverURL: serverURL!,
    apiKey: 'chaos',
    ...(mode === 'client' ? { timeoutMs } : {}),
  }),
  ...(mode === 'worker' ? { timeoutMs } : {}),
  name: name!,
  concurrency: 5,
  limiter: false,
  attempts: Number(attemptsArg),
  backoff: { initialDelayMs: 500, multiplier: 2, maxDelayMs: 4_000, jitter: 'none' },
  webhook: {
    secret: secret!,
    allowHosts: ['127.0.0.1'],
    retrySchedule: [250, 1_000, 2_000, 4_000],
    timeoutMs: 2_000,
  },
});
await chatWorker.ready();
process.stdout.write(`ready ${process.pid}\n`);
process.once('SIGTERM', () => {
  void chatWorker.close().then(() => process.exit(0));
});
