import { describe, expect, it } from 'vitest';
import { shortIds } from './short-ids.js';

describe('shortIds', () => {
  it('keeps the last segment when it is unique, more when it is not', () => {
    const names = shortIds(['conversation-1', '0.batch.pollJob', 'x.a.runTools', 'y.b.runTools']);
    expect(Object.fromEntries(names)).toEqual({
      'conversation-1': 'conversation-1',
      '0.batch.pollJob': 'pollJob',
      'x.a.runTools': 'a.runTools',
      'y.b.runTools': 'b.runTools',
    });
  });

  it('falls back to the whole id', () => {
    const names = shortIds(['a.b', 'b', 'c.a.b']);
    expect(new Set(names.values()).size).toBe(3);
    expect(names.get('b')).toBe('b');
  });
});
