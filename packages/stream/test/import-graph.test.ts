import { importWithout } from '@mistral-flows/testing';
import { describe, expect, it } from 'vitest';

// The built packages, as a user's project loads them (run after `pnpm build`).
const packageDir = new URL('..', import.meta.url).pathname;
const optionalPeers = ['better-sqlite3', 'ioredis'];

describe('@mistral-flows/stream entry points', () => {
  it('loads no better-sqlite3 and no ioredis, through core or itself', () => {
    const outcome = importWithout(
      ['@mistral-flows/core', '@mistral-flows/stream'],
      optionalPeers,
      packageDir,
    );
    expect(outcome.error).toBe('');
    expect(outcome.exports['@mistral-flows/stream']).toEqual(
      expect.arrayContaining(['chatStream', 'serveSSE', 'MemoryReplayLog']),
    );
    expect(outcome.exports['@mistral-flows/stream']).not.toContain('RedisReplayLog');
  });

  it('exports RedisReplayLog from @mistral-flows/stream/redis', () => {
    const outcome = importWithout(['@mistral-flows/stream/redis'], [], packageDir);
    expect(outcome.exports['@mistral-flows/stream/redis']).toEqual(['RedisReplayLog']);
  });
});
