import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { missingService } from './skip.js';

export interface PostgresService {
  /** True when a PostgreSQL server answered `SELECT 1`. */
  readonly available: boolean;
  /** The connection string that was probed: `DATABASE_URL` or `postgres://postgres@127.0.0.1:5432/test`. */
  readonly url: string;
}

let probe: Promise<PostgresService> | undefined;

/**
 * Finds the PostgreSQL server the tests should use, at the top of a `*.postgres.test.ts` file.
 * When it does not answer, one line says so and the tests skip; with `REQUIRE_POSTGRES=1` (as in
 * CI) it throws instead.
 */
export function usePostgres(): Promise<PostgresService> {
  probe ??= probePostgres();
  return probe;
}

async function probePostgres(): Promise<PostgresService> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { available: true, url };
  } catch (error) {
    missingService({
      service: 'PostgreSQL',
      requireVariable: 'REQUIRE_POSTGRES',
      reason: `no answer at ${url.replace(/\/\/[^@/]*@/, '//')}: ${(error as Error).message}`,
      howToStart: 'Start one (`pg_ctlcluster 15 main start`) or set DATABASE_URL.',
    });
    return { available: false, url };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A schema of its own for one test (`test_<random>`), created now; `drop()` removes it and all it
 * holds. Tests never touch tables they did not create.
 */
export async function createTestSchema(
  url: string,
): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${name}"`);
  } finally {
    await client.end();
  }
  return {
    name,
    async drop() {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
