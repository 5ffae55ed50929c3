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

describe('isInternalAddress', () => {
  it('tells internal addresses from public ones', () => {
    expect(isInternalAddress('127.0.0.1')).toBe(true);
    expect(isInternalAddress('::ffff:7f00:1')).toBe(true);
    expect(isInternalAddress('8.8.8.8')).toBe(false);
    expect(isInternalAddress('2001:4860:4860::8888')).toBe(false);
    expect(isInternalAddress('example.com')).toBe(false);
  });
});
