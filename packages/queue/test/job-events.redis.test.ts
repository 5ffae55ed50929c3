import { useRedis, waitFor } from '@mistral-flows/testing';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { jobEvents$, type JobEvent } from '../src/index.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

const redis = await useRedis();
const connection = { url: redis.url };
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe.skipIf(!redis.available)('jobEvents$', () => {
  it('emits progress, completed, failed and stalled events from BullMQ, and stops on unsubscribe', async () => {
    const name = uniqueName('events');
    cleanups.add(() => deleteQueueKeys(redis.url, [name]));
    const queue = new Queue(name, { connection });
    cleanups.add(() => queue.close());
    const queueEvents = new QueueEvents(name, { connection });
    cleanups.add(() => queueEvents.close());
    await queueEvents.waitUntilReady();
    const events: JobEvent[] = [];
    const subscription = jobEvents$(queueEvents).subscribe((event) => events.push(event));
    cleanups.add(() => subscription.unsubscribe());

    // A job taken by a "worker" that dies: its lock expires and it stalls.
    await queue.add('stall', {}, { jobId: 'stalls' });
    const dead = new Worker(name, null, { connection, lockDuration: 300 });
    cleanups.add(() => dead.close());
    const taken = await dead.getNextJob('dead-token');
    expect(taken?.id).toBe('stalls');

    await queue.add('ok', { n: 1 }, { jobId: 'succeeds' });
    await queue.add('bad', {}, { jobId: 'fails' });
    const worker = new Worker(
      name,
      async (job) => {
        if (job.name === 'bad') throw new Error('boom');
        await job.updateProgress({ step: 1 });
        return { done: job.id };
      },
      { connection, stalledInterval: 200 },
    );
    cleanups.add(() => worker.close());

    await waitFor(
      () =>
        ['progress', 'completed', 'failed', 'stalled'].every((type) =>
          events.some((e) => e.type === type),
        ) && events.some((e) => e.type === 'completed' && e.jobId === 'stalls'),
      { what: 'every kind of event' },
    );
    expect(events).toContainEqual({ type: 'progress', jobId: 'succeeds', progress: { step: 1 } });
    expect(events).toContainEqual({
      type: 'completed',
      jobId: 'succeeds',
      returnvalue: { done: 'succeeds' },
    });
    expect(events).toContainEqual({ type: 'failed', jobId: 'fails', failedReason: 'boom' });
    expect(events).toContainEqual({ type: 'stalled', jobId: 'stalls' });

    subscription.unsubscribe();
    expect(queueEvents.listenerCount('completed')).toBe(0);
    expect(queueEvents.listenerCount('stalled')).toBe(0);
  });
});
