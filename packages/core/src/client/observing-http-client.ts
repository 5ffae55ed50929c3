import { HTTPClient } from '@mistralai/mistralai';
import type { RateLimiter } from '../concurrency/rate-limiter.js';

/**
 * The SDK's HTTP client with two hooks: one notes the limiter's admission count when a request
 * leaves, the other gives the limiter every response's headers and status (`observe`), successes
 * and errors alike, as soon as the headers arrive (before a stream's body).
 */
export function observingHttpClient(limiter: RateLimiter): HTTPClient {
  const sent = new WeakMap<Request, number>();
  return new HTTPClient()
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
