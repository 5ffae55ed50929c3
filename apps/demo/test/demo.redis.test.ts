import { useRedis } from '@mistral-flows/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseJsonLines, runDemo, summaryOf } from './run-cli.js';

const redis = await useRedis();

describe.skipIf(!redis.available)('demo --scenario queue', () => {
  it('runs 20 jobs on the BullMQ worker, verifies every webhook, and gets the batch job webhooks', async () => {
    const { code, stdout, stderr } = await runDemo(['--json', '--scenario', 'queue'], {
      REDIS_URL: redis.url,
    });
    const line = parseJsonLines(stdout).get('queue')!;
    expect(line.status, line.reason).toBe('passed');
    const queue = line.result as {
      queue: string;
      jobs: { enqueued: number; completed: number; peakActive: number };
      webhooks: { received: number; verified: number; refused: number; duplicates: number };
      batch: { webhooks: string[]; verified: boolean };
    };
    expect(queue.jobs).toMatchObject({ enqueued: 20, completed: 20 });
    expect(queue.jobs.peakActive).toBeGreaterThan(0);
    expect(queue.jobs.peakActive).toBeLessThanOrEqual(5);
    expect(queue.webhooks).toEqual({ received: 20, verified: 20, refused: 0, duplicates: 0 });
    expect(queue.batch.verified).toBe(true);
    expect(queue.batch.webhooks.at(-1)).toBe('batch.job.success');
    expect(new Set(queue.batch.webhooks).size).toBe(queue.batch.webhooks.length);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1); // the summary, no noise
    expect(summaryOf(stderr)).toMatchObject({ run: 1, passed: 1, failed: 0, skipped: 0 });
    expect(code).toBe(0);

    // The demo leaves nothing behind in Redis.
    const client = new Redis(redis.url);
    try {
      expect(await client.keys(`bull:${queue.queue}*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
