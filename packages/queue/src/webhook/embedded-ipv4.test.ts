import { describe, expect, it } from 'vitest';
import { embeddedIpv4 } from './embedded-ipv4.js';

describe('embeddedIpv4', () => {
  it.each([
    ['::ffff:127.0.0.1', ['127.0.0.1']],
    ['::ffff:7f00:1', ['127.0.0.1']],
    ['0:0:0:0:0:FFFF:7F00:0001', ['127.0.0.1']],
    ['::127.0.0.1', ['127.0.0.1']],
    ['::1', ['0.0.0.1']],
    ['::', ['0.0.0.0']],
    ['::ffff:0:10.1.2.3', ['10.1.2.3']],
    ['64:ff9b::a9fe:a9fe', ['169.254.169.254']],
    ['2002:c0a8:101::1', ['192.168.1.1']],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', ['65.54.227.120', '127.0.0.1']],
    ['fe80::ffff:7f00:1%eth0', []],
    ['2001:4860:4860::8888', []],
    ['64:ff9b:1::7f00:1', []],
    ['127.0.0.1', []],
    ['example.com', []],
  ])('reads %s as %j', (address, expected) => {
    expect(embeddedIpv4(address)).toEqual(expected);
  });
});
