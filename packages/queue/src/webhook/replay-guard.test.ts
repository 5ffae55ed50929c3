import { describe, expect, it } from 'vitest';
import { memoryReplayGuard, type ReplayClaim } from './replay-guard.js';

function tokenOf(claim: ReplayClaim): string {
  if (claim.status !== 'claimed') throw new Error(`expected a claim, got ${claim.status}`);
  return claim.token;
}

describe('memoryReplayGuard', () => {
  it('holds a claim for its lease, then lets the id be claimed again', async () => {
    let now = 0;
    const guard = memoryReplayGuard(() => now);
    tokenOf(guard.claim('a', 1_000) as ReplayClaim);
    expect(guard.claim('a', 1_000)).toEqual({ status: 'processing' });
    expect(guard.claim('b', 1_000)).toMatchObject({ status: 'claimed' });
    now = 1_001;
    expect(guard.claim('a', 1_000)).toMatchObject({ status: 'claimed' });
  });

  it('refuses a completed id as processed until its ttl passes', async () => {
    let now = 0;
    const guard = memoryReplayGuard(() => now);
    const token = tokenOf(guard.claim('a', 1_000) as ReplayClaim);
    await guard.complete('a', token, 10_000);
    now = 5_000;
    expect(guard.claim('a', 1_000)).toEqual({ status: 'processed' });
    now = 10_001;
    expect(guard.claim('a', 1_000)).toMatchObject({ status: 'claimed' });
  });

  it('releases only the claim the token holds', async () => {
    let now = 0;
    const guard = memoryReplayGuard(() => now);
    const stale = tokenOf(guard.claim('a', 1_000) as ReplayClaim);
    now = 2_000; // the first claim expired; another request holds the id now
    const current = tokenOf(guard.claim('a', 1_000) as ReplayClaim);
    await guard.release('a', stale);
    expect(guard.claim('a', 1_000)).toEqual({ status: 'processing' });
    await guard.release('a', current);
    expect(guard.claim('a', 1_000)).toMatchObject({ status: 'claimed' });
  });
});
