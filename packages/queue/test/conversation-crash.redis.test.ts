import { RedisStore } from '@mistral-flows/core/redis';
import { useRedis } from '@mistral-flows/testing';
import { afterEach, describe, it } from 'vitest';
import {
  CRASH_TEST_RUN,
  expectCleanCrashRun,
  runConversationCrash,
} from './support/conversation-crash.js';
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
        ...CRASH_TEST_RUN,
      });
      expectCleanCrashRun(report);
    });
  },
);
