import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket } from './token-bucket.js';

/** The rate-limit headers the real API sends on its answers. */
export const rateLimitHeaders = {
  limitRequests: 'x-ratelimit-limit-req-minute',
  remainingRequests: 'x-ratelimit-remaining-req-minute',
  limitTokens: 'x-ratelimit-limit-tokens-minute',
  remainingTokens: 'x-ratelimit-remaining-tokens-minute',
  tokensCost: 'x-ratelimit-tokens-query-cost',
} as const;

/** What limits the emulator enforces; each one is off when absent. */
export interface RateLimitSettings {
  /** Requests per second over all clients, without headers. */
  rps?: number;
  /** Requests per minute per API key (per client address without a key). */
  requestsPerMinute?: number;
  /** Model tokens (prompt and completion) per minute per API key (or client address). */
  tokensPerMinute?: number;
}

interface ClientBudget {
  requests?: TokenBucket;
  tokens?: TokenBucket;
}

interface ModelCallCharge {
  client: ClientBudget;
  cost: number;
}

/** Budgets kept before idle ones are dropped. */
const maxClients = 10_000;

/**
 * The emulator's rate limits, on one token-bucket mechanism: the global `rps` limit, and budgets
 * per API key (per client address when a request has no key) of requests per minute and model
 * tokens per minute, each refilled evenly over the minute. Every answer under a budget carries the
 * real API's `x-ratelimit-*` headers; a request over it is refused (429 with `Retry-After`). A model
 * call is admitted while the token budget has any token left; what it used is charged once it has
 * run (down to zero), and reported in `x-ratelimit-tokens-query-cost`.
 *
 * Budgets are keyed by a hash of the `Authorization` header: keys are never kept or shown.
 */
export class RateLimits {
  private readonly global?: TokenBucket;
  private readonly clients = new Map<string, ClientBudget>();
  private readonly charges = new WeakMap<ServerResponse, ModelCallCharge>();

  private constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number,
  ) {
    if (settings.rps !== undefined) {
      this.global = new TokenBucket(Math.max(1, settings.rps), settings.rps, now);
    }
  }

  /** The limits for these settings, or undefined when none is set. */
  static create(settings: RateLimitSettings, now: () => number): RateLimits | undefined {
    const { rps, requestsPerMinute, tokensPerMinute } = settings;
    if (rps === undefined && requestsPerMinute === undefined && tokensPerMinute === undefined) {
      return undefined;
    }
    return new RateLimits(settings, now);
  }

  /**
   * Admits one request: returns 0, or the whole seconds to wait when a limit refuses it. Sets the
   * budget headers on `res` either way; `modelCall` requests also need a token left.
   */
  admit(req: IncomingMessage, res: ServerResponse, modelCall: boolean): number {
    if (this.global && !this.global.take()) return this.global.retryAfterSeconds();
    const { requestsPerMinute, tokensPerMinute } = this.settings;
    if (requestsPerMinute === undefined && tokensPerMinute === undefined) return 0;
    const client = this.clientOf(req);
    let wait = 0;
    if (client.requests && client.requests.available() < 1) {
      wait = client.requests.retryAfterSeconds();
    }
    if (modelCall && client.tokens && client.tokens.available() < 1) {
      wait = Math.max(wait, client.tokens.retryAfterSeconds());
    }
    if (wait === 0) {
      client.requests?.take();
      if (modelCall && client.tokens) this.charges.set(res, { client, cost: 0 });
    }
    if (client.requests) {
      res.setHeader(rateLimitHeaders.limitRequests, String(client.requests.capacity));
      res.setHeader(rateLimitHeaders.remainingRequests, remaining(client.requests));
    }
    if (client.tokens) {
      res.setHeader(rateLimitHeaders.limitTokens, String(client.tokens.capacity));
      res.setHeader(rateLimitHeaders.remainingTokens, remaining(client.tokens));
    }
    return wait;
  }

  /** Charges the tokens a model call of `res` used to its client's budget, and reports them. */
  charge(res: ServerResponse, tokens: number): void {
    const charge = this.charges.get(res);
    if (!charge?.client.tokens || !(tokens > 0)) return;
    charge.client.tokens.charge(tokens);
    charge.cost += tokens;
    if (res.headersSent) return;
    res.setHeader(rateLimitHeaders.remainingTokens, remaining(charge.client.tokens));
    res.setHeader(rateLimitHeaders.tokensCost, String(charge.cost));
  }

  /** Refills every budget. */
  reset(): void {
    this.global?.reset();
    this.clients.clear();
  }

  private clientOf(req: IncomingMessage): ClientBudget {
    const auth = req.headers.authorization;
    const key = auth
      ? `key:${createHash('sha256').update(auth).digest('hex').slice(0, 32)}`
      : `address:${req.socket.remoteAddress ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= maxClients) this.dropIdle();
      const { requestsPerMinute, tokensPerMinute } = this.settings;
      client = {};
      if (requestsPerMinute !== undefined) {
        client.requests = new TokenBucket(requestsPerMinute, requestsPerMinute / 60, this.now);
      }
      if (tokensPerMinute !== undefined) {
        client.tokens = new TokenBucket(tokensPerMinute, tokensPerMinute / 60, this.now);
      }
      this.clients.set(key, client);
    }
    return client;
  }

  /** Forgets the budgets that are full again: an idle client starts afresh anyway. */
  private dropIdle(): void {
    for (const [key, client] of this.clients) {
      if ((client.requests?.full ?? true) && (client.tokens?.full ?? true))
        this.clients.delete(key);
    }
  }
}

function remaining(bucket: TokenBucket): string {
  return String(Math.max(0, Math.floor(bucket.available())));
}
