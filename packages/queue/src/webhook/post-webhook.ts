import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { Agent as HttpAgent } from 'node:http';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { WebhookDeliveryError } from '../errors/webhook-delivery-error.js';
import { isAllowedHost, isInternalAddress } from './callback-url.js';

export interface PostWebhookOptions {
  /** Whole-request deadline: connect, send, and the response's status line. */
  timeoutMs: number;
  /** Hosts allowed to resolve to internal addresses. */
  allowHosts?: readonly string[];
  /** Keep-alive agents to reuse connections (one per protocol). */
  agents?: { http: HttpAgent; https: HttpsAgent };
  signal?: AbortSignal;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * POSTs one signed webhook and resolves with the receiver's status. Redirects are not followed.
 * Unless the host is in `allowHosts`, a name that resolves to an internal address is refused
 * after DNS, at connection time (the URL check at enqueue time only sees the name).
 * Rejects with `WebhookDeliveryError` (`webhook_timeout`, `webhook_network`, `webhook_forbidden`).
 */
export function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: PostWebhookOptions,
): Promise<number> {
  const guarded = !isAllowedHost(url, options.allowHosts);
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  const agent = options.agents ? (https ? options.agents.https : options.agents.http) : undefined;
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(status!);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'mistral-flows-webhooks/0.1',
          ...headers,
        },
        ...(agent ? { agent } : {}),
        ...(guarded ? { lookup: guardedLookup } : {}),
      },
      (res: IncomingMessage) => {
        // The status decides; the body is drained so that the connection can be reused.
        res.resume();
        res.once('end', () => finish(undefined, res.statusCode ?? 0));
        res.once('error', () => finish(undefined, res.statusCode ?? 0));
      },
    );
    const timer = setTimeout(() => {
      const error = new WebhookDeliveryError(
        'webhook_timeout',
        `No answer from ${url.host} within ${options.timeoutMs} ms`,
      );
      finish(error);
      req.destroy(error);
    }, options.timeoutMs);
    const onAbort = () => {
      const error = new WebhookDeliveryError('webhook_network', 'The delivery was aborted');
      finish(error);
      req.destroy(error);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (error: Error) => {
      finish(
        WebhookDeliveryError.isInstance(error)
          ? error
          : new WebhookDeliveryError(
              'webhook_network',
              `Could not deliver to ${url.host}: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
              { cause: error },
            ),
      );
    });
    req.end(body);
  });
}

/** `dns.lookup` that refuses to connect when any address of the name is internal. */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal) {
      return callback(
        new WebhookDeliveryError(
          'webhook_forbidden',
          `${hostname} resolves to an internal address; list it in allowHosts to allow it`,
        ),
        [],
      );
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(
        Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }),
        [],
      );
    callback(null, first.address, first.family);
  });
}
