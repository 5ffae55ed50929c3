import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { apiError, HttpError } from '../http/http-error.js';
import { hexId } from '../http/ids.js';
import type { ResolvedOptions } from '../options.js';
import { AllowedHosts } from './allowed-hosts.js';

/** Methods that read only; everything else changes state. */
const safeMethods = new Set(['GET', 'HEAD']);

/** The 401 the real API answers for a missing or wrong key (it never repeats the key). */
export function unauthorized(): HttpError {
  return new HttpError(401, { message: 'Unauthorized', request_id: hexId() });
}

/**
 * The checks every request passes before routing, against pages in a browser that reach the
 * emulator on this machine:
 *
 * - `Host` must be a name the emulator answers to (`AllowedHosts`): a page on another name that
 *   resolves here (DNS rebinding) gets a 421 and reads nothing, on every route.
 * - A request from a page on another origin (an `Origin` header other than the emulator's own, or
 *   `Sec-Fetch-Site` `cross-site` or `same-site`) gets a 403 on `/_emulator/*` and for every
 *   method other than GET and HEAD: no page can reset the state or create, change or delete
 *   anything. SDKs and servers send no `Origin` and are not affected.
 * - With `apiKey`, `/_emulator/*` needs `Authorization: Bearer <apiKey>` like `/v1`.
 */
export class RequestGuard {
  private readonly hosts: AllowedHosts;
  private readonly keyDigest?: Buffer;

  constructor(options: Pick<ResolvedOptions, 'host' | 'allowedHosts' | 'apiKey'>) {
    this.hosts = new AllowedHosts(options.host, options.allowedHosts);
    if (options.apiKey !== undefined) this.keyDigest = digest(`Bearer ${options.apiKey}`);
  }

  /** The error to answer instead of serving the request, or undefined when it may go on. */
  check(req: IncomingMessage, method: string, control: boolean): HttpError | undefined {
    const host = req.headers.host;
    if (!this.hosts.accepts(host)) {
      return apiError(
        421,
        `Host ${JSON.stringify(host!.slice(0, 100))} is not a name this emulator answers to ` +
          `(${this.hosts.describe()}); add it to allowedHosts (--allowed-hosts) to accept it`,
        { code: 'host_not_allowed' },
      );
    }
    if ((control || !safeMethods.has(method)) && isCrossOrigin(req, host)) {
      const origin = req.headers.origin;
      const from =
        origin === undefined
          ? `Sec-Fetch-Site: ${String(req.headers['sec-fetch-site'])}`
          : `Origin ${JSON.stringify(origin.slice(0, 100))}`;
      return apiError(
        403,
        `Cross-origin request refused (${from}): a page on another origin may not call ` +
          `${control ? 'the control routes' : `${method} on the API`}`,
        { code: 'cross_origin_refused' },
      );
    }
    if (control && !this.hasKey(req)) return unauthorized();
    return undefined;
  }

  /** True when no key is configured or the request carries `Authorization: Bearer <apiKey>`. */
  hasKey(req: IncomingMessage): boolean {
    if (this.keyDigest === undefined) return true;
    const given = req.headers.authorization;
    return given !== undefined && timingSafeEqual(digest(given), this.keyDigest);
  }
}

/** A request sent by a page on another origin than the emulator's own. */
function isCrossOrigin(req: IncomingMessage, host: string | undefined): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return host === undefined || origin.toLowerCase() !== `http://${host.toLowerCase()}`;
}

/** Fixed-length digests, so that comparing keys takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
