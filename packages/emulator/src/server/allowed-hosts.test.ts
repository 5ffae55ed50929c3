import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AllowedHosts, hostName } from './allowed-hosts.js';

describe('hostName', () => {
  it('strips the port, the IPv6 brackets and a final dot, and refuses what is not a host', () => {
    expect(hostName('LocalHost:4010')).toBe('localhost');
    expect(hostName('[::1]:4010')).toBe('::1');
    expect(hostName('[::1]')).toBe('::1');
    expect(hostName('example.com.')).toBe('example.com');
    expect(hostName('a:b')).toBeUndefined();
    expect(hostName('a:123456')).toBeUndefined();
    expect(hostName('[::1')).toBeUndefined();
    expect(hostName(':80')).toBeUndefined();
  });
});

describe('AllowedHosts', () => {
  it('accepts IP addresses, localhost names and the name it listens on; no header is no browser', () => {
    const hosts = new AllowedHosts('emulator', []);
    for (const header of [
      'emulator:4010',
      '127.0.0.1:1',
      '[::1]:1',
      '192.168.0.9',
      'x.localhost',
    ]) {
      expect(hosts.accepts(header), header).toBe(true);
    }
    expect(hosts.accepts(undefined)).toBe(true);
    expect(hosts.accepts('evil.example:4010')).toBe(false);
    expect(hosts.accepts(hostname())).toBe(false);
  });

  it("accepts the machine's name when listening on every interface", () => {
    for (const listen of ['0.0.0.0', '::']) {
      const hosts = new AllowedHosts(listen, []);
      expect(hosts.accepts(`${hostname()}:4010`), listen).toBe(true);
      expect(hosts.accepts('evil.example'), listen).toBe(false);
    }
  });

  it('gives the same answer from its cache, and stays bounded', () => {
    const hosts = new AllowedHosts('127.0.0.1', ['.corp.example']);
    for (let i = 0; i < 1000; i++) {
      expect(hosts.accepts(`h${i}.corp.example`)).toBe(true);
      expect(hosts.accepts(`h${i}.evil.example`)).toBe(false);
    }
    expect(hosts.describe()).toBe(
      'IP addresses, localhost, 127.0.0.1, corp.example, *.localhost, *.corp.example',
    );
  });
});
