import { describe, expect, it } from 'vitest';
import { ReplayLog } from './replay-log.js';

function filled(count: number, options?: ConstructorParameters<typeof ReplayLog>[0]): ReplayLog {
  const log = new ReplayLog(options);
  for (let seq = 1; seq <= count; seq++) log.append(seq, `r${seq}`);
  return log;
}

describe('ReplayLog', () => {
  it('returns exactly the entries after a sequence number', () => {
    const log = filled(5);
    expect(log.after(0)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(log.after(3)).toEqual(['r4', 'r5']);
    expect(log.after(5)).toEqual([]);
  });

  it('drops the oldest entries beyond its bounds and then refuses to replay from before them', () => {
    const log = filled(10, { maxEntries: 4 });
    expect(log.firstSeq).toBe(7);
    expect(log.lastSeq).toBe(10);
    expect(log.all()).toEqual(['r7', 'r8', 'r9', 'r10']);
    expect(log.after(6)).toEqual(['r7', 'r8', 'r9', 'r10']);
    expect(log.after(5)).toBeUndefined();
  });

  it('bounds the characters held', () => {
    const log = new ReplayLog({ maxChars: 10 });
    for (let seq = 1; seq <= 5; seq++) log.append(seq, 'abcd');
    expect(log.all()).toEqual(['abcd', 'abcd']);
  });

  it('refuses ids ahead of it, malformed ids and gaps in appends', () => {
    const log = filled(3);
    expect(log.after(4)).toBeUndefined();
    expect(log.after(1.5)).toBeUndefined();
    expect(() => log.append(5, 'r5')).toThrow(RangeError);
  });

  it('keeps working across many compactions', () => {
    const log = filled(10_000, { maxEntries: 100 });
    expect(log.size).toBe(100);
    expect(log.after(9_990)).toEqual(Array.from({ length: 10 }, (_, i) => `r${9_991 + i}`));
  });
});
