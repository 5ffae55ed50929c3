import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('admits at most `permits` holders, FIFO, and releases once per permit', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    const c = semaphore.acquire().then((release) => {
      order.push(3);
      return release;
    });
    const d = semaphore.acquire().then((release) => {
      order.push(4);
      return release;
    });
    expect(semaphore.inUse).toBe(2);
    expect(semaphore.pending).toBe(2);
    a();
    a();
    const releaseC = await c;
    expect(order).toEqual([3]);
    expect(semaphore.pending).toBe(1);
    b();
    (await d)();
    releaseC();
    expect(semaphore.inUse).toBe(0);
    expect(order).toEqual([3, 4]);
  });

  it('rejects an aborted waiter and keeps the permit count right', async () => {
    const semaphore = new Semaphore(1);
    const release = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire({ signal: controller.signal });
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    release();
    expect(semaphore.inUse).toBe(0);
    (await semaphore.acquire())();
  });

  it('rejects a permit count below 1', () => {
    expect(() => new Semaphore(0)).toThrow(InvalidArgumentError);
  });
});
