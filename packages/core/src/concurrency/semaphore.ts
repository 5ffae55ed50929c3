import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { abortReason } from '../retry/sleep.js';

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (reason: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * At most `permits` holders at once, FIFO. `acquire()` resolves with the function that releases
 * the permit (calling it twice releases once). Use it to bound calls in flight across many
 * actors, for example the model calls of every conversation of an agent system.
 */
export class Semaphore {
  readonly permits: number;
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new InvalidArgumentError('permits', `expected an integer >= 1, got ${String(permits)}`);
    }
    this.permits = permits;
  }

  /** Permits in use. */
  get inUse(): number {
    return this.active;
  }

  /** Callers waiting for a permit. */
  get pending(): number {
    return this.waiters.length;
  }

  acquire(options: { signal?: AbortSignal } = {}): Promise<() => void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.active < this.permits && this.waiters.length === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) {
        if (next.signal && next.onAbort) next.signal.removeEventListener('abort', next.onAbort);
        next.resolve(this.releaser());
      } else {
        this.active--;
      }
    };
  }
}
