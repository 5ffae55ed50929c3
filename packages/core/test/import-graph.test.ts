import { importWithout } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';

// The built package, as a user's project loads it (run after `pnpm build`).
const packageDir = new URL('..', import.meta.url).pathname;
const optionalPeers = ['better-sqlite3', 'ioredis'];

describe('@mistral-flows/core entry points', () => {
  it('loads no better-sqlite3 and no ioredis from the main entry', () => {
    const outcome = importWithout(['@mistral-flows/core'], optionalPeers, packageDir);
    expect(outcome.error).toBe('');
    expect(outcome.exports['@mistral-flows/core']).toEqual(
      expect.arrayContaining(['FileStore', 'MemoryStore', 'defaultStore', 'createClient']),
    );
    expect(outcome.exports['@mistral-flows/core']).not.toContain('SqliteStore');
    expect(outcome.exports['@mistral-flows/core']).not.toContain('RedisStore');
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
    const both = importWithout(
      ['@mistral-flows/core/sqlite', '@mistral-flows/core/redis'],
      [],
      packageDir,
    );
    expect(both.exports).toEqual({
      '@mistral-flows/core/sqlite': ['SqliteStore'],
      '@mistral-flows/core/redis': ['RedisStore'],
    });
  });
});
