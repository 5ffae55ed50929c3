import { BlockList, isIP } from 'node:net';
import { CallbackUrlError } from '../errors/callback-url-error.js';
import { embeddedIpv4 } from './embedded-ipv4.js';

export interface CallbackUrlPolicy {
  /**
   * Hosts allowed even though they are private, loopback or link-local: a hostname
   * (`localhost`, `hooks.internal`), an IP (`127.0.0.1`, `[::1]`) or `host:port`.
   */
  allowHosts?: readonly string[];
}

const internalV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  internalV4.addSubnet(network, prefix, 'ipv4');
}
const internalV6 = new BlockList();
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // NAT64 local use (RFC 8215): translates to networks of the operator
  ['100::', 64], // discard-only
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8], // multicast
] as const) {
  internalV6.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for addresses a webhook must not reach by default: private (RFC 1918, unique local),
 * loopback, link-local, site-local, carrier-grade NAT, unspecified, multicast, documentation and
 * reserved ranges. An IPv6 address that carries an IPv4 address (IPv4-mapped `::ffff:127.0.0.1`
 * or `::ffff:7f00:1`, IPv4-compatible `::127.0.0.1`, SIIT `::ffff:0:7f00:1`, NAT64
 * `64:ff9b::7f00:1`, 6to4 `2002:7f00:1::`, Teredo) is internal when that IPv4 address is.
 * Accepts a bare address, a bracketed one (`[::1]`) or one with a zone (`fe80::1%eth0`).
 */
export function isInternalAddress(address: string): boolean {
  const ip = (
    address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  ).replace(/%.*$/, '');
  const version = isIP(ip);
  if (version === 4) return internalV4.check(ip, 'ipv4');
  if (version !== 6) return false;
  if (internalV6.check(ip, 'ipv6')) return true;
  return embeddedIpv4(ip).some((v4) => internalV4.check(v4, 'ipv4'));
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
