/**
 * Every timer the emulator starts goes through one registry, so that `close()` can clear them all
 * and leave nothing behind.
 */
export class Timers {
  private readonly active = new Map<NodeJS.Timeout, () => void>();

  /** Like `setTimeout`; `onCancel` runs instead of `fn` when the registry is cleared first. */
  set(fn: () => void, ms: number, onCancel: () => void = noop): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.active.delete(timer);
      fn();
    }, ms);
    this.active.set(timer, onCancel);
    return timer;
  }

  clear(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.active.delete(timer);
  }

  /** Resolves `true` after `ms`, or `false` as soon as the registry is cleared. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.set(
        () => resolve(true),
        ms,
        () => resolve(false),
      );
    });
  }

  get size(): number {
    return this.active.size;
  }

  clearAll(): void {
    const cancelled = [...this.active];
    this.active.clear();
    for (const [timer, onCancel] of cancelled) {
      clearTimeout(timer);
      onCancel();
    }
  }
}

function noop(): void {}
