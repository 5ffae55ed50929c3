import { firstValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemoryReplayLog } from './memory-replay-log.js';
import type { ReplayRecord } from './replay-log.js';

describe('MemoryReplayLog', () => {
  it('replays the records after an id, then live ones, and completes after the end', async () => {
    const log = new MemoryReplayLog<string>();
    await log.append('a', 'one');
    await log.append('a', 'two');
    const seen: Array<ReplayRecord<string>> = [];
    let completed = false;
    log.read(1).subscribe({ next: (r) => seen.push(r), complete: () => (completed = true) });
    await log.append('b', 'three');
    expect(completed).toBe(false);
    await log.end();
    expect(seen).toEqual([
      { id: 2, event: 'a', data: 'two' },
      { id: 3, event: 'b', data: 'three' },
      { id: 4, event: 'end' },
    ]);
    expect(completed).toBe(true);
  });

  it('serves a finished log to late readers', async () => {
    const log = new MemoryReplayLog<number>();
    await log.append('n', 1);
    await log.end({ code: 'server', message: 'boom' });
    const all = await firstValueFrom(log.read(0).pipe(toArray()));
    expect(all).toEqual([
      { id: 1, event: 'n', data: 1 },
      { id: 2, event: 'error', data: { code: 'server', message: 'boom' } },
    ]);
    await expect(log.append('n', 2)).rejects.toThrow(/ended/);
  });

  it('reports a gap instead of skipping records it no longer holds', async () => {
    const log = new MemoryReplayLog<number>({ capacity: 3 });
    for (let i = 1; i <= 6; i++) await log.append('n', i);
    const [first] = await firstValueFrom(log.read(1).pipe(toArray()));
    expect(first).toMatchObject({ event: 'error', data: { code: 'replay_gap' } });
    const tail: Array<ReplayRecord<number>> = [];
    log.read(3).subscribe((r) => tail.push(r));
    expect(tail.map((r) => r.id)).toEqual([4, 5, 6]);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new MemoryReplayLog({ capacity: 0 })).toThrow(/capacity/);
  });
});
