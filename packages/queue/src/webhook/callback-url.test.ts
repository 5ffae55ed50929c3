import { describe, expect, it } from 'vitest';
import { CallbackUrlError } from '../errors/callback-url-error.js';
import { checkCallbackUrl, isInternalAddress } from './callback-url.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(CallbackUrlError.isInstance(error)).toBe(true);
    return (error as CallbackUrlError).code;
  }
}

describe('checkCallbackUrl', () => {
  it('accepts public http and https URLs', () => {
    expect(checkCallbackUrl('https://hooks.example.com/a?b=c').hostname).toBe('hooks.example.com');
    expect(checkCallbackUrl('http://93.184.216.34:8080/x').port).toBe('8080');
  });

  it('refuses file:, other schemes and non-URLs as callback_url_invalid', () => {
    for (const url of [
      'file:///etc/passwd',
      'ftp://example.com/',
      'javascript:alert(1)',
      'not a url',
      '',
      42,
    ]) {
      expect(codeOf(() => checkCallbackUrl(url))).toBe('callback_url_invalid');
    }
  });

  it('refuses private, loopback, link-local and internal names as callback_url_forbidden', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://127.1/', // WHATWG URL normalises short forms
      'http://2130706433/', // and decimal ones
      'http://10.1.2.3/',
      'http://172.16.0.1/',
      'http://192.168.1.10/',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost:3000/',
      'http://api.localhost/',
      'http://printer.local/',
      'http://metadata.google.internal/',
      'http://intranet/',
    ]) {
      expect(
        codeOf(() => checkCallbackUrl(url)),
        url,
      ).toBe('callback_url_forbidden');
    }
  });

  it('accepts an internal host listed in allowHosts, by name, address or host:port', () => {
    expect(
      codeOf(() => checkCallbackUrl('http://127.0.0.1:4000/', { allowHosts: ['127.0.0.1'] })),
    ).toBeUndefined();
    expect(
      codeOf(() => checkCallbackUrl('http://localhost:4000/', { allowHosts: ['localhost:4000'] })),
    ).toBeUndefined();
    expect(
      codeOf(() => checkCallbackUrl('http://[::1]:4000/', { allowHosts: ['::1'] })),
    ).toBeUndefined();
    expect(
      codeOf(() => checkCallbackUrl('http://localhost:5000/', { allowHosts: ['localhost:4000'] })),
    ).toBe('callback_url_forbidden');
  });

  it('names the host, never the path or the query, in the error', () => {
    try {
      checkCallbackUrl('http://10.0.0.1/hook?token=s3cret');
    } catch (error) {
      expect((error as CallbackUrlError).host).toBe('10.0.0.1');
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});

describe('checkCallbackUrl with IPv6 literals', () => {
  // Every spelling of an internal IPv4 address inside IPv6, and the internal IPv6 ranges.
  const forbidden: Array<[url: string, form: string]> = [
    ['http://[::127.0.0.1]/', 'IPv4-compatible, dotted'],
    ['http://[::7f00:1]/', 'IPv4-compatible, hex'],
    ['http://[::10.0.0.1]/', 'IPv4-compatible, private'],
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped, dotted'],
    ['http://[::ffff:7f00:1]/', 'IPv4-mapped, hex'],
    ['http://[0:0:0:0:0:ffff:7f00:0001]/', 'IPv4-mapped, uncompressed'],
    ['http://[::FFFF:A9FE:A9FE]/', 'IPv4-mapped, upper case, cloud metadata'],
    ['http://[::ffff:0:7f00:1]/', 'SIIT (IPv4-translated), hex'],
    ['http://[::ffff:0:192.168.0.1]/', 'SIIT (IPv4-translated), dotted'],
    ['http://[64:ff9b::7f00:1]/', 'NAT64 well-known prefix'],
    ['http://[64:ff9b::169.254.169.254]/', 'NAT64 well-known prefix, dotted'],
    ['http://[64:ff9b:1::a00:1]/', 'NAT64 local-use prefix'],
    ['http://[2002:7f00:1::]/', '6to4 of 127.0.0.1'],
    ['http://[2002:c0a8:101::1]/', '6to4 of 192.168.1.1'],
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'Teredo, client 127.0.0.1'],
    ['http://[fec0::1]/', 'site-local fec0::/10'],
    ['http://[feff::1]/', 'site-local, top of fec0::/10'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[fd12:3456::1]/', 'unique local'],
    ['http://[::]/', 'unspecified'],
    ['http://[::1]/', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback, uncompressed'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://[100::1]/', 'discard-only 100::/64'],
    ['http://[2001:db8::1]/', 'documentation 2001:db8::/32'],
  ];
  it.each(forbidden)('refuses %s (%s)', (url) => {
    expect(codeOf(() => checkCallbackUrl(url))).toBe('callback_url_forbidden');
  });

  const allowed: Array<[url: string, form: string]> = [
    ['http://[2001:4860:4860::8888]/', 'public IPv6'],
    ['http://[::ffff:93.184.216.34]/', 'IPv4-mapped public address'],
    ['http://[64:ff9b::5db8:d822]/', 'NAT64 of a public address'],
    ['http://[2002:5db8:d822::1]/', '6to4 of a public address'],
    ['http://[2606:4700::6810:84e5]/', 'public IPv6 ending like an IPv4 address'],
  ];
  it.each(allowed)('accepts %s (%s)', (url) => {
    expect(codeOf(() => checkCallbackUrl(url))).toBeUndefined();
  });
});

describe('isInternalAddress', () => {
  it('reads IPv4 embedded in IPv6 addresses as DNS gives them, zone ids included', () => {
    expect(isInternalAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isInternalAddress('::ffff:0:a00:1')).toBe(true);
    expect(isInternalAddress('64:ff9b::a9fe:a9fe')).toBe(true);
    expect(isInternalAddress('fe80::1%eth0')).toBe(true);
    expect(isInternalAddress('[2002:a00:1::]')).toBe(true);
    expect(isInternalAddress('::ffff:8.8.8.8')).toBe(false);
  });

  it('tells internal addresses from public ones', () => {
    expect(isInternalAddress('127.0.0.1')).toBe(true);
    expect(isInternalAddress('::ffff:7f00:1')).toBe(true);
    expect(isInternalAddress('8.8.8.8')).toBe(false);
    expect(isInternalAddress('2001:4860:4860::8888')).toBe(false);
    expect(isInternalAddress('example.com')).toBe(false);
  });
});
