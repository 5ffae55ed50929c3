import { BlockList, isIP } from 'node:net';
import { CallbackUrlError } from '../errors/callback-url-error.js';

export interface CallbackUrlPolicy {
  /**
   * Hosts allowed even though they are private, loopback or link-local: a hostname
   * (`localhost`, `hooks.internal`), an IP (`127.0.0.1`, `[::1]`) or `host:port`.
   */
  allowHosts?: readonly string[];
}

const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for addresses a webhook must not reach by default: private (RFC 1918, unique local),
 * loopback, link-local, carrier-grade NAT, unspecified, multicast and reserved ranges, including
 * IPv4 addresses written as IPv4-mapped IPv6 (`::ffff:127.0.0.1`).
 */
export function isInternalAddress(address: string): boolean {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(ip);
  if (version === 4) return internal.check(ip, 'ipv4');
  if (version !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return internal.check(mapped[1]!, 'ipv4');
  // The hex form of a mapped address: ::ffff:7f00:1.
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hexMapped) {
    const high = parseInt(hexMapped[1]!, 16);
    const low = parseInt(hexMapped[2]!, 16);
    return internal.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return internal.check(ip, 'ipv6');
}

/** True when `url`'s host (or `host:port`) is listed in `allowHosts`. */
export function isAllowedHost(url: URL, allowHosts: readonly string[] = []): boolean {
  const host = url.hostname.toLowerCase();
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.some((entry) => {
    const allowed = entry.trim().toLowerCase();
    return (
      allowed === host ||
      allowed === bare ||
      allowed === `${host}:${port}` ||
      allowed === `[${bare}]` ||
      allowed === `${bare}:${port}`
    );
  });
}

/**
 * Checks a callback URL before anything is queued for it: it must be an absolute http(s) URL,
 * and its host must not be an internal address or an internal name (`localhost`, `*.localhost`,
 * `*.local`, `*.internal`) unless it is listed in `allowHosts`. Names that resolve to internal
 * addresses are caught again at delivery time, after DNS. Returns the parsed URL; throws a
 * `CallbackUrlError` otherwise.
 */
export function checkCallbackUrl(url: unknown, policy: CallbackUrlPolicy = {}): URL {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new CallbackUrlError(
      'callback_url_invalid',
      'The callback URL must be a non-empty string',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CallbackUrlError('callback_url_invalid', 'The callback URL is not an absolute URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CallbackUrlError(
      'callback_url_invalid',
      `The callback URL must be http or https, not ${parsed.protocol.replace(/:$/, '')}`,
      parsed.hostname || undefined,
    );
  }
  if (isAllowedHost(parsed, policy.allowHosts)) return parsed;
  if (isInternalHost(parsed.hostname)) {
    throw new CallbackUrlError(
      'callback_url_forbidden',
      `The callback host ${parsed.hostname} is a private, loopback or link-local address; list it in allowHosts to allow it`,
      parsed.hostname,
    );
  }
  return parsed;
}

function isInternalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (isInternalAddress(host)) return true;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return false;
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal') ||
    !host.includes('.')
  );
}
