import { PostgresStore } from '@mistral-flows/core/postgres';
import { createTestSchema } from '@mistral-flows/testing';
import type { ChaosRun } from './chaos-run.js';
import { runConversationChaos } from './conversations.js';

/** The PostgreSQL the run uses (`DATABASE_URL` overrides). */
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The conversations run with the conversations and their leases in PostgreSQL. */
export const chaos: ChaosRun = {
  name: 'conversations-postgres',
  title:
    'The conversations run with a Postgres store (PostgresStore): conversations and leases in PostgreSQL, jobs and events in Redis',
  budgetMs: 5 * 60_000,
  async run(ctx) {
    const name = `mf-chaos-conversations-pg-${process.pid}`;
    const schema = await createTestSchema(DATABASE_URL);
    const table = `${schema.name}.store`;
    const store = new PostgresStore({ connectionString: DATABASE_URL, table });
    try {
      return await runConversationChaos({
        ctx,
        name: this.name,
        queue: name,
        title: this.title,
        seedOffset: 9,
        storeKind: 'postgres',
        storeTarget: `${DATABASE_URL}#${table}`,
        store,
        storeLabel: `PostgresStore (${DATABASE_URL.replace(/\/\/[^@/]*@/, '//')}, schema ${schema.name})`,
      });
    } finally {
      await store.close();
      await schema.drop();
    }
  },
};
