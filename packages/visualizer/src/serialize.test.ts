import { createActor, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { isSecretKey } from './secret-key.js';
import { serialize } from './serialize.js';

describe('serialize', () => {
  it('keeps JSON values as they are', () => {
    const value = { a: 1, b: 'two', c: [true, null, { d: 4.5 }] };
    expect(serialize(value)).toEqual(value);
  });

  it('replaces cycles but repeats shared references', () => {
    const shared = { n: 1 };
    const node: Record<string, unknown> = { shared, again: shared };
    node.self = node;
    expect(serialize(node)).toEqual({
      shared: { n: 1 },
      again: { n: 1 },
      self: { $type: 'circular' },
    });
  });

  it('tags what JSON cannot hold', () => {
    function load(): void {}
    expect(
      serialize({
        f: load,
        u: undefined,
        big: 12345678901234567890n,
        sym: Symbol('s'),
        nan: Number.NaN,
        when: new Date('2024-01-02T03:04:05.000Z'),
        map: new Map([['k', 1]]),
        set: new Set(['x']),
        bytes: new Uint8Array(3),
        re: /ab+c/i,
      }),
    ).toEqual({
      f: { $type: 'function', name: 'load' },
      u: { $type: 'undefined' },
      big: { $type: 'bigint', value: '12345678901234567890' },
      sym: { $type: 'symbol', description: 's' },
      nan: { $type: 'number', value: 'NaN' },
      when: '2024-01-02T03:04:05.000Z',
      map: { $type: 'map', entries: [['k', 1]] },
      set: { $type: 'set', values: ['x'] },
      bytes: { $type: 'binary', name: 'Uint8Array', byteLength: 3 },
      re: { $type: 'regexp', source: '/ab+c/i' },
    });
  });

  it('reduces errors to name, message, code and cause', () => {
    const cause = new TypeError('inner');
    const error = Object.assign(new Error('outer', { cause }), {
      code: 'E_X',
      stack: 'at secret/path',
    });
    expect(serialize({ error })).toEqual({
      error: {
        $type: 'error',
        name: 'Error',
        message: 'outer',
        code: 'E_X',
        cause: { $type: 'error', name: 'TypeError', message: 'inner' },
      },
    });
  });

  it('reduces actor refs to their id', () => {
    const child = createActor(setup({}).createMachine({ id: 'child' }), { id: 'worker-1' });
    expect(serialize({ ref: child })).toEqual({ ref: { $type: 'actor', id: 'worker-1' } });
  });

  it('redacts secrets by property name, at any depth, and bearer tokens in text', () => {
    const value = {
      apiKey: 'sk-1',
      headers: { Authorization: 'Bearer abc', 'x-api-key': 'k' },
      nested: [{ password: 'p', accessToken: 't', client_secret: 's', token: 'x' }],
      secret: { deep: 'object' },
      usage: { totalTokens: 12, promptTokens: 3 },
      empty: { token: undefined },
      log: 'sent Authorization: Bearer abc.def-123 to the API',
      map: new Map([['apiKey', 'sk-2']]),
    };
    expect(serialize(value)).toEqual({
      apiKey: '[REDACTED]',
      headers: { Authorization: '[REDACTED]', 'x-api-key': '[REDACTED]' },
      nested: [
        {
          password: '[REDACTED]',
          accessToken: '[REDACTED]',
          client_secret: '[REDACTED]',
          token: '[REDACTED]',
        },
      ],
      secret: '[REDACTED]',
      usage: { totalTokens: 12, promptTokens: 3 },
      empty: { token: { $type: 'undefined' } },
      log: 'sent Authorization: Bearer [REDACTED] to the API',
      map: { $type: 'map', entries: [['apiKey', '[REDACTED]']] },
    });
    expect(JSON.stringify(serialize(value))).not.toMatch(/sk-1|sk-2|abc|"p"|"t"|"s"/);
  });

  it('bounds depth, breadth, string length and total size', () => {
    const deep = { a: { b: { c: { d: 1 } } } };
    expect(serialize(deep, { maxDepth: 2 })).toEqual({ a: { b: { $type: 'max-depth' } } });

    expect(serialize([1, 2, 3, 4], { maxKeys: 2 })).toEqual([
      1,
      2,
      { $type: 'truncated', omitted: 2 },
    ]);
    expect(serialize({ a: 1, b: 2, c: 3 }, { maxKeys: 1 })).toEqual({
      a: 1,
      '…': { $type: 'truncated', omitted: 2 },
    });

    expect(serialize('x'.repeat(10), { maxStringLength: 4 })).toBe('xxxx… [6 more characters]');

    const big = Array.from({ length: 1000 }, (_, i) => ({ i, text: 'y'.repeat(100) }));
    const out = JSON.stringify(serialize(big, { maxSize: 5_000 }));
    expect(out.length).toBeLessThan(8_000);
    expect(out).toContain('"$type":"truncated"');
  });

  it('survives getters that throw', () => {
    const hostile = Object.defineProperty({ ok: 1 }, 'bad', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    expect(serialize(hostile)).toEqual({ ok: 1, bad: { $type: 'thrown' } });
  });

  it('accepts a custom secret matcher', () => {
    expect(
      serialize({ pin: '1234', apiKey: 'k' }, { isSecretKey: (key) => key === 'pin' }),
    ).toEqual({
      pin: '[REDACTED]',
      apiKey: 'k',
    });
  });
});

describe('isSecretKey', () => {
  it('matches secret-looking names and not counters', () => {
    for (const key of [
      'apiKey',
      'API_KEY',
      'x-api-key',
      'authorization',
      'Proxy-Authorization',
      'secret',
      'webhookSecret',
      'password',
      'token',
      'refresh_token',
      'cookie',
      'privateKey',
      'credentials',
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    for (const key of ['totalTokens', 'maxTokens', 'key', 'batchKey', 'id', 'text', 'tokenCount']) {
      expect(isSecretKey(key), key).toBe(false);
    }
  });
});
