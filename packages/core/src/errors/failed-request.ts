import { redactString } from '../redact/redact.js';

const REQUEST = Symbol.for('mistral-flows.failedRequest');

/** The request an error happened on: its method and URL (without the query string). */
export interface FailedRequest {
  method: string;
  url: string;
}

/** Attaches `request`'s method and URL to `error` (an object the fetch call threw). */
export function tagFailedRequest(error: unknown, request: Pick<Request, 'method' | 'url'>): void {
  if (typeof error !== 'object' || error === null || REQUEST in error) return;
  let url = request.url;
  try {
    const parsed = new URL(request.url);
    // The query string may carry signatures or keys: it is left out.
    url = `${parsed.origin}${parsed.pathname}`;
  } catch {
    // Not a URL the WHATWG parser reads: keep it as it is (redacted below).
  }
  const tag: FailedRequest = { method: request.method, url: redactString(url) };
  Object.defineProperty(error, REQUEST, { value: tag });
}

/** The request attached to `error` or to one of its causes, if any. */
export function failedRequestOf(error: unknown): FailedRequest | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const tag = (current as { [REQUEST]?: FailedRequest })[REQUEST];
    if (tag) return tag;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
