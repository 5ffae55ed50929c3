import { RedisStore } from '@mistral-flows/core/redis';
import { useRedis } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runConversationCrash, summary } from './support/conversation-crash.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

const redis = await useRedis();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe.skipIf(!redis.available)(
  'conversation workers killed while turns run (Redis store)',
  () => {
    it('end every conversation with its 3 turns in order, run no stored tool call again and leave no job behind', async () => {
      const name = uniqueName('conv-crash');
      cleanups.add(() => deleteQueueKeys(redis.url, [name]));
      const namespace = `bull:${name}:store:`;
      const store = new RedisStore({ url: redis.url, namespace });
      cleanups.add(() => store.close());
      const report = await runConversationCrash({
        cleanups,
        redisUrl: redis.url,
        name,
        storeKind: 'redis',
        storeTarget: namespace,
        store,
        workers: 3,
        conversations: 30,
        turns: 3,
        leaseMs: 2_000,
        killEveryMs: 1_000,
        staggerMs: 500,
        timeoutMs: 45_000,
      });
      console.log(summary(report));
      expect(report.problems).toEqual([]);
      expect(report.kills).toBeGreaterThanOrEqual(3);
      expect(report.resumed).toBeGreaterThan(0);
      expect(report.jobCounts).toMatchObject({ active: 0, waiting: 0, delayed: 0, failed: 0 });
    });
  },
);
