/**
 * Runs tasks one at a time per key, in the order they were started; tasks under different keys
 * run concurrently. A key is held in the map only while tasks for it run or wait, so that ids
 * seen once do not accumulate.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }

  /** Runs `task` once every task started earlier under `key` has settled. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    // Tails only ever resolve: a failed task releases the key like a successful one.
    const tail = previous === undefined ? done : previous.then(() => done);
    this.tails.set(key, tail);
    try {
      if (previous !== undefined) await previous;
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
