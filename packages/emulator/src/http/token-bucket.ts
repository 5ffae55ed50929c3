/**
 * A token bucket: `rate` tokens per second, holding at most one second's worth. `take()` answers 0
 * when a token was available, else the whole seconds to wait (for `Retry-After`).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = rate;
    this.last = now();
  }

  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }

  reset(): void {
    this.tokens = this.rate;
    this.last = this.now();
  }
}
