/**
 * A token bucket: holds at most `capacity` tokens and gains `refillPerSecond` tokens per second,
 * evenly. The emulator's rate limits all use it: the global `rps` limit (one second's worth, at
 * least one token) and the per-client budgets of requests and model tokens per minute (a minute's
 * worth, refilled evenly over the minute).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /** Tokens available now (fractional). */
  available(): number {
    const now = this.now();
    if (now > this.last) {
      this.tokens = Math.min(
        this.capacity,
        this.tokens + ((now - this.last) / 1000) * this.refillPerSecond,
      );
    }
    this.last = now;
    return this.tokens;
  }

  /** Takes `cost` tokens if that many are available; false (and nothing taken) otherwise. */
  take(cost = 1): boolean {
    if (this.available() < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /** Removes `cost` tokens, down to zero: what a call used once it was admitted. */
  charge(cost: number): void {
    this.tokens = Math.max(0, this.available() - cost);
  }

  /** Whole seconds until `amount` tokens are available (at least 1), for `Retry-After`. */
  retryAfterSeconds(amount = 1): number {
    const missing = amount - this.available();
    return Math.max(1, Math.ceil(missing / this.refillPerSecond));
  }

  /** True when the bucket is full (an idle client). */
  get full(): boolean {
    return this.available() >= this.capacity;
  }

  reset(): void {
    this.tokens = this.capacity;
    this.last = this.now();
  }
}
