import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** Addresses that listen on every interface: the machine's own name is accepted too. */
const wildcards = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The name in a `Host` header, lowercased, without the port, the IPv6 brackets or a final dot;
 * undefined when the header is not a host and optional port.
 */
export function hostName(header: string): string | undefined {
  let name: string;
  let rest: string;
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    if (end < 0) return undefined;
    name = header.slice(1, end);
    rest = header.slice(end + 1);
  } else {
    const colon = header.indexOf(':');
    name = colon < 0 ? header : header.slice(0, colon);
    rest = colon < 0 ? '' : header.slice(colon);
  }
  if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
  name = name.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name === '' ? undefined : name;
}

/**
 * Decides which `Host` names the emulator answers to, so that a page on another name that resolves
 * to this machine (DNS rebinding) cannot read or change anything. Accepted: IP addresses (a
 * browser only sends one when it connected to that address), `localhost` and `*.localhost`
 * (browsers resolve them to loopback themselves), the name the emulator was told to listen on,
 * the machine's own name when it listens on every interface, and `allowed` (an exact name, or
 * `.example.com` for that domain and its subdomains; `true` accepts every name). The port is not
 * compared: port mappings and proxies change it.
 */
export class AllowedHosts {
  private readonly names = new Set<string>(['localhost']);
  private readonly suffixes: string[] = ['.localhost'];
  private readonly any: boolean;
  /** Answers by raw header, bounded, so that the check costs a lookup on the hot path. */
  private readonly seen = new Map<string, boolean>();

  constructor(listenHost: string, allowed: readonly string[] | true) {
    this.any = allowed === true;
    const listen = hostName(listenHost) ?? listenHost.toLowerCase();
    if (wildcards.has(listen)) this.names.add(hostname().toLowerCase());
    else this.names.add(listen);
    for (const entry of allowed === true ? [] : allowed) {
      const name = entry.trim().toLowerCase();
      if (name.startsWith('.')) {
        this.suffixes.push(name);
        this.names.add(name.slice(1));
      } else if (name !== '') {
        this.names.add(hostName(name) ?? name);
      }
    }
  }

  /** True when a request with this `Host` header may be answered (no header: not a browser). */
  accepts(header: string | undefined): boolean {
    if (header === undefined || this.any) return true;
    const known = this.seen.get(header);
    if (known !== undefined) return known;
    const name = hostName(header);
    const ok =
      name !== undefined &&
      (isIP(name) !== 0 || this.names.has(name) || this.suffixes.some((s) => name.endsWith(s)));
    if (this.seen.size >= 256) this.seen.clear();
    this.seen.set(header, ok);
    return ok;
  }

  /** The accepted names, for error messages. */
  describe(): string {
    if (this.any) return 'any name';
    return ['IP addresses', ...this.names, ...this.suffixes.map((s) => `*${s}`)].join(', ');
  }
}
