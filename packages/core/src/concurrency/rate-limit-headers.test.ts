import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from './rate-limit-headers.js';

describe('parseRateLimitHeaders', () => {
  it("reads the API's per-minute budgets and the call's token cost", () => {
    const headers = new Headers({
      'x-ratelimit-limit-tokens-minute': '5000000',
      'x-ratelimit-remaining-tokens-minute': '4999911',
      'x-ratelimit-tokens-query-cost': '52',
      'x-ratelimit-limit-req-minute': '720',
      'x-ratelimit-remaining-req-minute': '717',
    });
    expect(parseRateLimitHeaders(headers)).toEqual({
      requests: { limit: 720, remaining: 717 },
      tokens: { limit: 5_000_000, remaining: 4_999_911 },
      tokensCost: 52,
    });
  });

  it('reads Node header objects in any case, and a budget only when both of its headers are numbers', () => {
    expect(
      parseRateLimitHeaders({
        'X-RateLimit-Limit-Req-Minute': ['60', '61'],
        'x-ratelimit-remaining-req-minute': 0,
        'x-ratelimit-limit-tokens-minute': '1000',
      }),
    ).toEqual({ requests: { limit: 60, remaining: 0 } });
    expect(
      parseRateLimitHeaders({
        'x-ratelimit-limit-req-minute': 'lots',
        'x-ratelimit-remaining-req-minute': '3',
      }),
    ).toBeUndefined();
    expect(
      parseRateLimitHeaders(new Headers({ 'content-type': 'application/json' })),
    ).toBeUndefined();
  });
});
