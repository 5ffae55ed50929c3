import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * The fast wire's HTTP: one POST with `node:http` over a kept-alive connection, where the SDK
 * calls `fetch`. `fetch` builds a `Request`, a `Response`, web streams and an `AbortSignal` for
 * every call, which costs the client about four times what the request itself does.
 *
 * Everything a caller of the SDK can see is kept as `fetch` gives it:
 * - the request: the same headers `fetch` adds (`accept-language`, `sec-fetch-mode`,
 *   `accept-encoding`) and a `content-length`, on connections kept alive;
 * - the answer: its body decompressed as `fetch` does (`gzip`, `deflate`, `br`);
 * - the failures: the abort reason itself when the call is aborted or times out (before the
 *   answer or while its body is read), `TypeError('fetch failed')` with the cause when there is
 *   no answer, `TypeError('terminated')` with the cause when the body breaks off.
 *
 * Redirects are not followed (the API does not redirect its POST endpoints).
 */

/** How a call ends early: the caller's signal, else a timeout (0: none). */
export interface CallLimit {
  signal: AbortSignal | undefined;
  timeoutMs: number;
}

/** An answer whose headers have arrived; its body is read by `readText` or `chunks`. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, decompressed. */
  body: Readable;
  /** Maps a failure met while reading the body to what `fetch`'s body would fail with. */
  bodyError: (error: unknown) => unknown;
}

/** A destination parsed once per client: where to connect and how. */
export interface HttpTarget {
  url: URL;
  request: typeof httpRequest;
  agent: HttpAgent;
}

let httpAgent: HttpAgent | undefined;
let httpsAgent: HttpsAgent | undefined;

/**
 * The target for `parsed`. Connections are kept alive and shared by every fast-wire client, as
 * `fetch`'s are by its global dispatcher; an idle connection does not keep the process alive.
 */
export function httpTarget(parsed: URL): HttpTarget {
  if (parsed.protocol === 'https:') {
    httpsAgent ??= new HttpsAgent({ keepAlive: true });
    return { url: parsed, request: httpsRequest, agent: httpsAgent };
  }
  httpAgent ??= new HttpAgent({ keepAlive: true });
  return { url: parsed, request: httpRequest, agent: httpAgent };
}

/** The headers `fetch` adds to every request it sends. */
const FETCH_HEADERS = {
  'accept-language': '*',
  'sec-fetch-mode': 'cors',
  'accept-encoding': 'gzip, deflate',
};

/** What `AbortSignal.timeout` aborts with. */
export function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/**
 * POSTs `body` to `target` with `headers`, and resolves with the answer once its headers have
 * arrived. `limit` covers the whole call, the body's reading included: when it ends the call, the
 * promise (or the body's reading) fails with the abort reason, as `fetch` does.
 */
export function post(
  target: HttpTarget,
  headers: Record<string, string>,
  body: string,
  limit: CallLimit,
): Promise<HttpAnswer> {
  const { signal, timeoutMs } = limit;
  return new Promise<HttpAnswer>((resolve, reject) => {
    // As `fetch`: a signal already aborted fails the call with its reason, whatever it is.
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    let reason: unknown;
    let answer: IncomingMessage | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = (why: unknown) => {
      reason = why;
      if (answer) answer.destroy(why as Error);
      else req.destroy(why as Error);
    };
    const onAbort = () => abort(signal?.reason);
    const req = target.request(
      target.url,
      {
        method: 'POST',
        agent: target.agent,
        headers: {
          ...headers,
          ...FETCH_HEADERS,
          'content-length': String(Buffer.byteLength(body)),
        },
      },
      (res) => {
        answer = res;
        const bodyError = (error: unknown) =>
          reason !== undefined && error === reason
            ? error
            : new TypeError('terminated', { cause: socketError(error) });
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: decoded(res, bodyError),
          bodyError,
        });
      },
    );
    req.once('error', (error) => {
      if (answer) return;
      reject(
        reason !== undefined && error === reason
          ? error
          : new TypeError('fetch failed', { cause: socketError(error) }),
      );
    });
    // The call is over, answered in full or broken off: its limit is released.
    req.once('close', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    else if (timeoutMs > 0) {
      timer = setTimeout(() => abort(timeoutReason()), timeoutMs);
      // As `AbortSignal.timeout`'s: the timer alone does not keep the process alive.
      timer.unref();
    }
    req.end(body);
  });
}

/**
 * The cause `fetch` gives for a connection the server closed before the answer's end: undici's
 * `SocketError` (`UND_ERR_SOCKET`, "other side closed"), where `node:http` reports
 * `socket hang up` (no answer yet) or `aborted` (during the body), both `ECONNRESET`.
 */
function socketError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    !(error instanceof Error) ||
    code !== 'ECONNRESET' ||
    (error.message !== 'aborted' && error.message !== 'socket hang up')
  ) {
    return error;
  }
  const closed = new Error('other side closed');
  closed.name = 'SocketError';
  return Object.assign(closed, { code: 'UND_ERR_SOCKET' });
}

/** `res`, decompressed as `fetch` decompresses a body. */
function decoded(res: IncomingMessage, bodyError: (error: unknown) => unknown): Readable {
  const encoding = res.headers['content-encoding'];
  if (encoding === undefined || res.statusCode === 204 || res.statusCode === 304) return res;
  const options = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  const codings = encoding
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim());
  let body: Readable = res;
  for (const coding of codings.reverse()) {
    const decoder =
      coding === 'gzip' || coding === 'x-gzip'
        ? createGunzip(options)
        : coding === 'deflate'
          ? createInflate(options)
          : coding === 'br'
            ? createBrotliDecompress()
            : undefined;
    // `fetch` leaves a body it cannot decode as it came, and so does this.
    if (decoder === undefined) return res;
    const source = body;
    source.once('error', (error) => decoder.destroy(bodyError(error) as Error));
    body = source.pipe(decoder);
  }
  return body;
}

/** The whole body as text. */
export async function readText(answer: HttpAnswer): Promise<string> {
  const body = answer.body;
  body.setEncoding('utf8');
  let text = '';
  try {
    for await (const chunk of body) text += chunk as string;
  } catch (error) {
    throw answer.bodyError(error);
  }
  return text;
}

/** A `Response` holding `answer` with its body `text`, for the errors that carry one. */
export function toResponse(answer: HttpAnswer, text: string, url: string): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, value);
  }
  const status = answer.status;
  const inRange = status >= 200 && status <= 599;
  const response = new Response(status === 204 || status === 304 ? null : text, {
    // `Response` takes a status from 200 to 599 only; another is set on the object below.
    status: inRange ? status : 200,
    headers,
  });
  Object.defineProperty(response, 'url', { value: url });
  if (!inRange) Object.defineProperty(response, 'status', { value: status });
  return response;
}
