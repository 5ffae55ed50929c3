import { PostgresStore } from '@mistral-flows/core/postgres';
import { createTestSchema, usePostgres, useRedis } from '@mistral-flows/testing';
import { afterEach, describe, it } from 'vitest';
import {
  CRASH_TEST_RUN,
  expectCleanCrashRun,
  runConversationCrash,
} from './support/conversation-crash.js';
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
        ...CRASH_TEST_RUN,
      });
      expectCleanCrashRun(report);
    });
  },
);
