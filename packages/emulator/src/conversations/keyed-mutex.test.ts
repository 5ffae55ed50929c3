import { describe, expect, it } from 'vitest';
import { KeyedMutex } from './keyed-mutex.js';

/** A promise with its resolve function, to finish a task when the test says so. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('KeyedMutex', () => {
  it('runs the tasks of one key one at a time, in order, and other keys alongside', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const gates = [gate(), gate(), gate()];
    const task = (name: string, wait: Promise<void>) => async () => {
      log.push(`start ${name}`);
      await wait;
      log.push(`end ${name}`);
      return name;
    };
    const a1 = mutex.run('a', task('a1', gates[0]!.promise));
    const a2 = mutex.run('a', task('a2', gates[1]!.promise));
    const b1 = mutex.run('b', task('b1', gates[2]!.promise));
    await Promise.resolve();
    expect(log).toEqual(['start a1', 'start b1']);
    expect(mutex.size).toBe(2);
    gates[1]!.open();
    gates[2]!.open();
    expect(await b1).toBe('b1');
    expect(log).not.toContain('start a2');
    gates[0]!.open();
    expect(await Promise.all([a1, a2])).toEqual(['a1', 'a2']);
    expect(log.filter((l) => l.endsWith('a1') || l.endsWith('a2'))).toEqual([
      'start a1',
      'end a1',
      'start a2',
      'end a2',
    ]);
    expect(mutex.size).toBe(0);
  });

  it('releases the key when a task fails, and forgets keys with nothing left to run', async () => {
    const mutex = new KeyedMutex();
    const failed = mutex.run('k', () => Promise.reject(new Error('boom')));
    const next = mutex.run('k', () => Promise.resolve('next'));
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
    expect(mutex.size).toBe(0);
  });
});
