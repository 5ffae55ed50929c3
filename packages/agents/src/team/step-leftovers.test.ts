import { describe, expect, it } from 'vitest';
import { StepLeftovers } from './agent-step.js';

describe('StepLeftovers', () => {
  it('waits for the work a step left running and rejects with the first failure', async () => {
    const leftovers = new StepLeftovers();
    let finished = false;
    leftovers.track(
      new Promise<void>((resolve) => setImmediate(() => resolve())).then(() => {
        finished = true;
      }),
    );
    leftovers.fail(new Error('the last write failed'));
    leftovers.track(Promise.reject(new Error('a later failure')));
    await expect(leftovers.drain()).rejects.toThrow('the last write failed');
    expect(finished).toBe(true);
    // Reported once: the next drain has nothing left.
    await expect(leftovers.drain()).resolves.toBeUndefined();
  });

  it('resolves when every piece of work succeeded', async () => {
    const leftovers = new StepLeftovers();
    leftovers.track(Promise.resolve('closed'));
    await expect(leftovers.drain()).resolves.toBeUndefined();
  });
});
