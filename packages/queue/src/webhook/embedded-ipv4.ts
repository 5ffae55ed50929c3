import { isIP } from 'node:net';

/**
 * The IPv4 addresses an IPv6 address carries, in dotted form, for the forms that route to them:
 * IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), SIIT IPv4-translated
 * (`::ffff:0:a.b.c.d`), NAT64 with the well-known prefix (`64:ff9b::a.b.c.d`), 6to4
 * (`2002:AABB:CCDD::/48`) and Teredo (`2001:0::/32`: the server and the obfuscated client).
 * Any spelling works (compressed or not, hex or dotted tail, any case, a `%zone`), since the
 * address is read as its sixteen bytes. Returns an empty list for other addresses and for
 * strings that are not IPv6 addresses.
 *
 * @example
 * embeddedIpv4('::ffff:0:7f00:1'); // ['127.0.0.1']
 * embeddedIpv4('2002:c0a8:101::1'); // ['192.168.1.1']
 */
export function embeddedIpv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  if (!bytes) return [];
  const zeros = (from: number, to: number) => bytes.subarray(from, to).every((b) => b === 0);
  const at = (offset: number, mask = 0) =>
    Array.from(bytes.subarray(offset, offset + 4), (b) => b ^ mask).join('.');
  const word = (index: number) => (bytes[index * 2]! << 8) | bytes[index * 2 + 1]!;

  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, :: and ::1 included), ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 10) && word(5) === 0xffff) return [at(12)];
  if (zeros(0, 12)) return [at(12)];
  if (zeros(0, 8) && word(4) === 0xffff && word(5) === 0) return [at(12)];
  // 64:ff9b::a.b.c.d (NAT64, RFC 6052 well-known prefix)
  if (word(0) === 0x64 && word(1) === 0xff9b && zeros(4, 12)) return [at(12)];
  // 2002:AABB:CCDD::/48 (6to4)
  if (word(0) === 0x2002) return [at(2)];
  // 2001:0000:SSSS:SSSS:flags:port:CCCC:CCCC (Teredo): server, and client with its bits inverted
  if (word(0) === 0x2001 && word(1) === 0) return [at(4), at(12, 0xff)];
  return [];
}

/** The sixteen bytes of an IPv6 address (a `%zone` suffix ignored), or undefined. */
function ipv6Bytes(address: string): Uint8Array | undefined {
  const ip = address.replace(/%.*$/, '');
  if (isIP(ip) !== 6) return undefined;
  // A dotted tail (::ffff:1.2.3.4) is two 16-bit words; isIP has validated its four parts.
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  const text = dotted
    ? `${dotted[1]}${((Number(dotted[2]) << 8) | Number(dotted[3])).toString(16)}:${((Number(dotted[4]) << 8) | Number(dotted[5])).toString(16)}`
    : ip;
  const [head = '', tail] = text.split('::');
  const words = (part: string) => (part === '' ? [] : part.split(':'));
  const front = words(head);
  const back = tail === undefined ? [] : words(tail);
  const groups = [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}
