import { describe, expect, it } from 'vitest';
import { memoryReplayGuard } from './replay-guard.js';

describe('memoryReplayGuard', () => {
  it('claims an id once within its ttl, and again after it expires', () => {
    let now = 0;
    const guard = memoryReplayGuard(() => now);
    expect(guard.claim('a', 1_000)).toBe(true);
    expect(guard.claim('a', 1_000)).toBe(false);
    expect(guard.claim('b', 1_000)).toBe(true);
    now = 1_001;
    expect(guard.claim('a', 1_000)).toBe(true);
  });
});
