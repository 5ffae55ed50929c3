/** Response headers as fetch (`Headers`) or Node (`IncomingHttpHeaders`) gives them. */
export type HeadersLike =
  { get(name: string): string | null } | Record<string, string | string[] | number | undefined>;

/** One budget the API reported: its size per minute and what is left of it. */
export interface RateLimitBudget {
  limit: number;
  remaining: number;
}

/** What one response said about the caller's per-minute budgets. */
export interface ServerRateLimit {
  /** `x-ratelimit-limit-req-minute` and `x-ratelimit-remaining-req-minute`. */
  requests?: RateLimitBudget;
  /** `x-ratelimit-limit-tokens-minute` and `x-ratelimit-remaining-tokens-minute`. */
  tokens?: RateLimitBudget;
  /** `x-ratelimit-tokens-query-cost`: the tokens the answered call used. */
  tokensCost?: number;
}

/**
 * Reads the rate-limit headers the Mistral API sends (`x-ratelimit-limit-req-minute`,
 * `x-ratelimit-remaining-req-minute`, `x-ratelimit-limit-tokens-minute`,
 * `x-ratelimit-remaining-tokens-minute`, `x-ratelimit-tokens-query-cost`). A budget is read only
 * when both its limit and its remaining count are there and are numbers; returns `undefined` when
 * the response names no budget at all.
 *
 * @example
 * parseRateLimitHeaders(new Headers({ 'x-ratelimit-limit-req-minute': '720', 'x-ratelimit-remaining-req-minute': '717' }));
 * // { requests: { limit: 720, remaining: 717 } }
 */
export function parseRateLimitHeaders(headers: HeadersLike): ServerRateLimit | undefined {
  const read = reader(headers);
  const requests = budget(
    read('x-ratelimit-limit-req-minute'),
    read('x-ratelimit-remaining-req-minute'),
  );
  const tokens = budget(
    read('x-ratelimit-limit-tokens-minute'),
    read('x-ratelimit-remaining-tokens-minute'),
  );
  if (!requests && !tokens) return undefined;
  const result: ServerRateLimit = {};
  if (requests) result.requests = requests;
  if (tokens) result.tokens = tokens;
  const cost = read('x-ratelimit-tokens-query-cost');
  if (cost !== undefined && cost >= 0) result.tokensCost = cost;
  return result;
}

/** One header's value (the first, when repeated), or undefined when absent. */
export function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return String(Array.isArray(value) ? value[0] : value);
  }
  return undefined;
}

function reader(headers: HeadersLike): (name: string) => number | undefined {
  return (name) => {
    const text = headerValue(headers, name)?.trim();
    if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return undefined;
    return Number(text);
  };
}

function budget(
  limit: number | undefined,
  remaining: number | undefined,
): RateLimitBudget | undefined {
  if (limit === undefined || remaining === undefined || !(limit > 0)) return undefined;
  return { limit, remaining };
}
