import type { Store } from '@mistral-flows/core';

/**
 * The store a worker child was told to use: `postgres` with `<connection string>#<table>`, or
 * Redis with a key namespace.
 */
export async function openStore(kind: string, target: string, redisUrl: string): Promise<Store> {
  if (kind === 'postgres') {
    const { PostgresStore } = await import('@mistral-flows/core/postgres');
    const [connectionString, table] = target.split('#');
    return new PostgresStore({ connectionString: connectionString!, table: table! });
  }
  const { RedisStore } = await import('@mistral-flows/core/redis');
  return new RedisStore({ url: redisUrl, namespace: target });
}
