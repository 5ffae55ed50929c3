import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@mistral-flows/emulator';
import { useRedis, waitFor } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueChat, generateWebhookSecret } from '../src/index.js';
import { Cleanups, openChatQueue, startReceiver } from './support/harness.js';

const redis = await useRedis();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

const fixture = fileURLToPath(new URL('./fixtures/chat-worker-process.mjs', import.meta.url));
const JOBS = 1_000;

/** Starts a worker process (the built package) and resolves once it is connected. */
async function startWorkerProcess(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.add(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
  });
  return child;
}

describe.skipIf(!redis.available)('two worker processes, one killed', () => {
  it('complete all 1,000 jobs and deliver exactly 1,000 distinct completion webhooks', async () => {
    const emulator = await startEmulator({ latency: { ttftMs: 30 } });
    cleanups.add(() => emulator.close());
    const secret = generateWebhookSecret();
    const receiver = await startReceiver(secret);
    cleanups.add(() => receiver.close());
    const { name, queue, queueEvents } = await openChatQueue({
      cleanups,
      redisUrl: redis.url,
      label: 'crash',
      secret,
    });
    const stalled = new Set<string>();
    queueEvents.on('stalled', ({ jobId }) => stalled.add(jobId));

    const args = [redis.url, name, emulator.url, secret];
    const [victim, survivor] = await Promise.all([
      startWorkerProcess(args),
      startWorkerProcess(args),
    ]);
    for (let i = 0; i < JOBS; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          enqueueChat(
            queue,
            {
              messages: [{ role: 'user', content: `Question ${i + k}` }],
              callbackUrl: receiver.url,
            },
            { jobId: `job-${i + k}` },
          ),
        ),
      );
    }

    await waitFor(() => receiver.delivered().size >= 150, {
      what: '150 deliveries',
      timeoutMs: 20_000,
    });
    victim.kill('SIGKILL');
    await new Promise((resolve) => victim.once('exit', resolve));
    const deliveredAtKill = receiver.delivered().size;

    await waitFor(async () => (await queue.queue.getCompletedCount()) === JOBS, {
      what: 'every job to complete',
      timeoutMs: 40_000,
      intervalMs: 200,
    });
    await waitFor(() => receiver.delivered().size === JOBS, {
      what: 'a delivery for every job',
      timeoutMs: 20_000,
      intervalMs: 100,
    });

    expect(deliveredAtKill).toBeLessThan(JOBS);
    expect(survivor.exitCode).toBeNull();
    expect(await queue.queue.getFailedCount()).toBe(0);
    // The killed process held jobs: they stalled and were run again by the survivor.
    expect(stalled.size).toBeGreaterThan(0);
    const ok = receiver.received.filter((r) => r.status === 200);
    expect(ok.every((r) => r.verified)).toBe(true);
    const jobIds = new Set(ok.map((r) => r.payload!.data.jobId as string));
    expect(jobIds.size).toBe(JOBS);
    expect(receiver.delivered().size).toBe(JOBS);
  });
});
