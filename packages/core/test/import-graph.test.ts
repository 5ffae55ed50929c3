import { importWithout } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';

// The built package, as a user's project loads it (run after `pnpm build`).
const packageDir = new URL('..', import.meta.url).pathname;
const optionalPeers = ['better-sqlite3', 'ioredis', 'pg'];

describe('@mistral-flows/core entry points', () => {
  it('loads no better-sqlite3, no ioredis and no pg from the main entry', () => {
    const outcome = importWithout(['@mistral-flows/core'], optionalPeers, packageDir);
    expect(outcome.error).toBe('');
    expect(outcome.exports['@mistral-flows/core']).toEqual(
      expect.arrayContaining(['FileStore', 'MemoryStore', 'defaultStore', 'createClient']),
    );
    expect(outcome.exports['@mistral-flows/core']).not.toContain('SqliteStore');
    expect(outcome.exports['@mistral-flows/core']).not.toContain('RedisStore');
    expect(outcome.exports['@mistral-flows/core']).not.toContain('PostgresStore');
  });

  it('loads each optional peer only through its own subpath (the check sees real imports)', () => {
    expect(importWithout(['@mistral-flows/core/sqlite'], optionalPeers, packageDir)).toMatchObject({
      ok: false,
      error: expect.stringContaining('FORBIDDEN better-sqlite3'),
    });
    expect(importWithout(['@mistral-flows/core/redis'], optionalPeers, packageDir)).toMatchObject({
      ok: false,
      error: expect.stringContaining('FORBIDDEN ioredis'),
    });
    expect(
      importWithout(['@mistral-flows/core/postgres'], optionalPeers, packageDir),
    ).toMatchObject({ ok: false, error: expect.stringContaining('FORBIDDEN pg') });
    const all = importWithout(
      ['@mistral-flows/core/sqlite', '@mistral-flows/core/redis', '@mistral-flows/core/postgres'],
      [],
      packageDir,
    );
    expect(all.exports).toEqual({
      '@mistral-flows/core/sqlite': ['SqliteStore'],
      '@mistral-flows/core/redis': ['RedisStore'],
      '@mistral-flows/core/postgres': ['PostgresStore'],
    });
  });
});
