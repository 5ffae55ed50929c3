import { PostgresStore } from '@mistral-flows/core/postgres';
import { createTestSchema, usePostgres, useRedis } from '@mistral-flows/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { runConversationCrash, summary } from './support/conversation-crash.js';
import { Cleanups, deleteQueueKeys, uniqueName } from './support/harness.js';

// Postgres holds the conversations and their leases; Redis still carries the jobs and events.
const postgres = await usePostgres();
const redis = await useRedis();
const cleanups = new Cleanups();
afterEach(() => cleanups.run());

describe.skipIf(!postgres.available || !redis.available)(
  'conversation workers killed while turns run (Postgres store)',
  () => {
    it('end every conversation with its 3 turns in order, run no stored tool call again and leave no job behind', async () => {
      const name = uniqueName('conv-crash-pg');
      cleanups.add(() => deleteQueueKeys(redis.url, [name]));
      const schema = await createTestSchema(postgres.url);
      cleanups.add(() => schema.drop());
      const table = `${schema.name}.store`;
      const store = new PostgresStore({ connectionString: postgres.url, table });
      cleanups.add(() => store.close());
      const report = await runConversationCrash({
        cleanups,
        redisUrl: redis.url,
        name,
        storeKind: 'postgres',
        storeTarget: `${postgres.url}#${table}`,
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
