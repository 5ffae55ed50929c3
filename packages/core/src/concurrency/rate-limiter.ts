import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { parseRetryAfter } from '../errors/retry-after.js';
import { abortReason } from '../retry/sleep.js';
import {
  headerValue,
  parseRateLimitHeaders,
  type HeadersLike,
  type ServerRateLimit,
} from './rate-limit-headers.js';

export interface RateLimiterOptions {
  /** Requests admitted per `intervalMs`. */
  requests: number;
  /** The window, in milliseconds (for example 1000 for "per second"). */
  intervalMs: number;
  /** Optional budget of model tokens per rolling minute, fed by `acquire({ tokens })` and `report`. */
  tokensPerMinute?: number;
  /** Clock (default `Date.now`); timers use `setTimeout`, so fake timers drive it in tests. */
  now?: () => number;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Tokens this call expects to use, reserved against `tokensPerMinute`. */
  tokens?: number;
}

export interface ObserveOptions {
  /**
   * `admissions` as it was when the observed request was sent: the calls admitted since then are
   * counted against the budget the response reports (default: the count now, none).
   */
  admissionsBefore?: number;
  /** The response's status: a 429's `Retry-After` pauses every caller (`penalize`). */
  status?: number;
}

/** The last budget report from the server, and when it came. */
interface ServerBudget extends ServerRateLimit {
  at: number;
  admissionsBefore: number;
}

interface Waiter {
  tokens: number;
  resolve: () => void;
  reject: (reason: Error) => void;
  signal: AbortSignal | undefined;
}

const MINUTE = 60_000;

/**
 * A token bucket shared by every caller of one API key: `requests` tokens, each taken token coming
 * back `intervalMs` after it was taken, so that no window of `intervalMs` ever admits more than
 * `requests` calls. Optionally also a rolling budget of model tokens per minute.
 *
 * Callers wait in FIFO order. `penalize(ms)` pauses everyone, which is what a 429 from the API
 * calls for: one caller's rate-limit response makes all callers back off together.
 *
 * `observe(headers)` adapts to the budget the API reports on its answers (`x-ratelimit-*`, see
 * `parseRateLimitHeaders`): from the remaining requests and tokens of the last report, less the
 * calls admitted since the reported request was sent, plus the refill at the reported limit per
 * minute, spread evenly, the limiter holds calls back before the API would refuse them.
 * `createClient({ rateLimiter })` feeds it every response's headers.
 */
export class RateLimiter {
  readonly requests: number;
  readonly intervalMs: number;
  readonly tokensPerMinute: number | undefined;

  private readonly now: () => number;
  /** Admission times of the last `requests` admissions, oldest first (a ring buffer). */
  private readonly admitted: number[];
  private admittedStart = 0;
  private admittedCount = 0;
  /** Token usage in the rolling minute, oldest first. */
  private readonly usage: Array<{ at: number; tokens: number }> = [];
  private usageTotal = 0;
  private pausedUntil = 0;
  private admissionCount = 0;
  private server: ServerBudget | undefined;
  private readonly waiters: Waiter[] = [];
  /** One abort listener per signal, however many waiters share it. */
  private readonly bySignal = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;

  constructor(options: RateLimiterOptions) {
    const { requests, intervalMs, tokensPerMinute } = options;
    if (!Number.isInteger(requests) || requests < 1) {
      throw new InvalidArgumentError(
        'requests',
        `expected an integer >= 1, got ${String(requests)}`,
      );
    }
    if (!(typeof intervalMs === 'number' && intervalMs > 0 && Number.isFinite(intervalMs))) {
      throw new InvalidArgumentError(
        'intervalMs',
        `expected a positive number, got ${String(intervalMs)}`,
      );
    }
    if (
      tokensPerMinute !== undefined &&
      !(tokensPerMinute > 0 && Number.isFinite(tokensPerMinute))
    ) {
      throw new InvalidArgumentError(
        'tokensPerMinute',
        `expected a positive number, got ${String(tokensPerMinute)}`,
      );
    }
    this.requests = requests;
    this.intervalMs = intervalMs;
    this.tokensPerMinute = tokensPerMinute;
    this.now = options.now ?? Date.now;
    this.admitted = new Array<number>(requests).fill(0);
  }

  /** Callers waiting for a slot. */
  get pending(): number {
    return this.waiters.length;
  }

  /** Calls admitted so far (a running count; see `observe`). */
  get admissions(): number {
    return this.admissionCount;
  }

  /** Waits for a slot (and `tokens` of the per-minute budget); rejects when `signal` aborts. */
  acquire(options: AcquireOptions = {}): Promise<void> {
    const tokens = this.validTokens(options.tokens);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { tokens, resolve, reject, signal };
      if (signal) this.watch(signal, waiter);
      this.waiters.push(waiter);
      this.drain();
    });
  }

  /** Takes a slot now if one is free and nobody is waiting; never waits. */
  tryAcquire(options: { tokens?: number } = {}): boolean {
    const tokens = this.validTokens(options.tokens);
    if (this.waiters.length > 0) return false;
    const now = this.now();
    if (this.readyAt(tokens, now) > now) return false;
    this.admit(tokens, now);
    return true;
  }

  /** Records tokens a call used beyond what it reserved; later callers wait for the budget. */
  report(tokens: number): void {
    if (this.tokensPerMinute === undefined || !(tokens > 0)) return;
    this.usage.push({ at: this.now(), tokens });
    this.usageTotal += tokens;
  }

  /** Pauses every caller for `ms` (for example a 429's `Retry-After`). */
  penalize(ms: number): void {
    if (!(ms > 0)) return;
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.reschedule();
  }

  /**
   * Adapts to the budget an API response reports in its `x-ratelimit-*` headers: while the
   * remaining requests (or tokens) of the latest report, less the calls admitted since, are spent,
   * callers wait for the refill (the reported limit per minute, spread evenly), so that they slow
   * down before the API refuses them. Calls admitted since the report are counted at the cost of
   * the reported call (`x-ratelimit-tokens-query-cost`) against the token budget. A 429 (`status`)
   * with `Retry-After` also pauses every caller. Returns what the headers reported, if anything.
   *
   * A later report replaces an earlier one, unless it is for a request sent before the one already
   * reported. The estimate assumes a budget that refills evenly over the minute; a server that
   * refills otherwise may still answer 429, which `penalize` (or this method, given the status)
   * turns into a pause.
   */
  observe(headers: HeadersLike, options: ObserveOptions = {}): ServerRateLimit | undefined {
    const now = this.now();
    const reported = parseRateLimitHeaders(headers);
    const admissionsBefore = Math.min(
      options.admissionsBefore ?? this.admissionCount,
      this.admissionCount,
    );
    if (reported && (!this.server || admissionsBefore >= this.server.admissionsBefore)) {
      this.server = { ...reported, at: now, admissionsBefore };
    }
    if (options.status === 429) {
      const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), now);
      if (retryAfter !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfter);
    }
    if (reported || options.status === 429) this.reschedule();
    return reported;
  }

  private validTokens(tokens: number | undefined): number {
    if (tokens === undefined || this.tokensPerMinute === undefined) return 0;
    if (!(tokens >= 0 && Number.isFinite(tokens))) {
      throw new InvalidArgumentError('tokens', `expected a number >= 0, got ${String(tokens)}`);
    }
    if (tokens > this.tokensPerMinute) {
      throw new InvalidArgumentError(
        'tokens',
        `${tokens} exceeds the whole budget of ${this.tokensPerMinute} tokens per minute`,
      );
    }
    return tokens;
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const head = this.waiters[0]!;
      const now = this.now();
      const at = this.readyAt(head.tokens, now);
      if (at > now) {
        this.schedule(at, now);
        return;
      }
      this.waiters.shift();
      if (head.signal) this.unwatch(head.signal, head);
      this.admit(head.tokens, now);
      head.resolve();
    }
    this.clearTimer();
  }

  private watch(signal: AbortSignal, waiter: Waiter): void {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const waiters = new Set<Waiter>();
      const onAbort = () => {
        this.bySignal.delete(signal);
        for (const w of waiters) {
          const index = this.waiters.indexOf(w);
          if (index >= 0) this.waiters.splice(index, 1);
          w.reject(abortReason(signal));
        }
        this.drain();
      };
      entry = { waiters, onAbort };
      this.bySignal.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.waiters.add(waiter);
  }

  private unwatch(signal: AbortSignal, waiter: Waiter): void {
    const entry = this.bySignal.get(signal);
    if (!entry) return;
    entry.waiters.delete(waiter);
    if (entry.waiters.size === 0) {
      signal.removeEventListener('abort', entry.onAbort);
      this.bySignal.delete(signal);
    }
  }

  private readyAt(tokens: number, now: number): number {
    let at = Math.max(now, this.pausedUntil);
    if (this.admittedCount === this.requests) {
      at = Math.max(at, this.admitted[this.admittedStart]! + this.intervalMs);
    }
    if (this.server) at = Math.max(at, this.serverReadyAt(this.server));
    if (this.tokensPerMinute !== undefined && tokens + this.usageTotal > this.tokensPerMinute) {
      this.expireUsage(now);
      let total = this.usageTotal;
      for (const entry of this.usage) {
        if (tokens + total <= this.tokensPerMinute) break;
        total -= entry.tokens;
        at = Math.max(at, entry.at + MINUTE);
      }
    }
    return at;
  }

  /**
   * When the server's budget, as last reported, has one request and one token left for the next
   * call: its remaining count less the calls admitted since, refilled at its limit per minute.
   */
  private serverReadyAt(server: ServerBudget): number {
    const since = this.admissionCount - server.admissionsBefore;
    let at = 0;
    if (server.requests) {
      const short = since + 1 - server.requests.remaining;
      if (short > 0) at = server.at + (short * MINUTE) / server.requests.limit;
    }
    if (server.tokens) {
      const short = since * (server.tokensCost ?? 0) + 1 - server.tokens.remaining;
      if (short > 0) at = Math.max(at, server.at + (short * MINUTE) / server.tokens.limit);
    }
    return Math.ceil(at);
  }

  private admit(tokens: number, now: number): void {
    this.admissionCount++;
    if (this.admittedCount < this.requests) {
      this.admitted[(this.admittedStart + this.admittedCount) % this.requests] = now;
      this.admittedCount++;
    } else {
      this.admitted[this.admittedStart] = now;
      this.admittedStart = (this.admittedStart + 1) % this.requests;
    }
    if (tokens > 0) {
      this.usage.push({ at: now, tokens });
      this.usageTotal += tokens;
    }
  }

  private expireUsage(now: number): void {
    while (this.usage.length > 0 && this.usage[0]!.at + MINUTE <= now) {
      this.usageTotal -= this.usage.shift()!.tokens;
    }
  }

  private schedule(at: number, now: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.drain();
    }, at - now);
  }

  private reschedule(): void {
    this.clearTimer();
    this.drain();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
