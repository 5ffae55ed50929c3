import { HTTPClient } from '@mistralai/mistralai';
import type { RateLimiter } from '../concurrency/rate-limiter.js';
import { tagFailedRequest } from '../errors/failed-request.js';

/**
 * The SDK's HTTP client that `createClient` builds on. A request that fails before any answer
 * (refused, DNS, TLS, timeout, abort) has its method and URL attached to the error, so that
 * `classifyError` can say which request failed and why. With a `limiter`, two more hooks note the
 * limiter's admission count when a request leaves and give it every response's headers and status
 * (`observe`), successes and errors alike, as soon as the headers arrive (before a stream's body).
 */
export function clientHttp(limiter?: RateLimiter): HTTPClient {
  const http = new HTTPClient().addHook('requestError', (error, request) => {
    tagFailedRequest(error, request);
  });
  if (!limiter) return http;
  const sent = new WeakMap<Request, number>();
  return http
    .addHook('beforeRequest', (request) => {
      sent.set(request, limiter.admissions);
    })
    .addHook('response', (response, request) => {
      const admissionsBefore = sent.get(request);
      limiter.observe(response.headers, {
        status: response.status,
        ...(admissionsBefore !== undefined ? { admissionsBefore } : {}),
      });
    });
}
