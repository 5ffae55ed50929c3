import { describe, expect, it } from 'vitest';
import { redact, redactError, redactForStorage, redactString, registerSecret } from './redact.js';

describe('redact', () => {
  it('removes registered secrets wherever they appear', () => {
    registerSecret('sk-registered-0123456789');
    expect(redactString('key=sk-registered-0123456789;')).toBe('key=[REDACTED];');
  });

  it('removes bearer tokens and whsec_ secrets by pattern', () => {
    expect(redactString('Authorization: Bearer abc.DEF-123')).toBe(
      'Authorization: Bearer [REDACTED]',
    );
    expect(redactString('secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(
      'secret whsec_[REDACTED]',
    );
  });

  it('replaces properties named like secrets, deeply, and returns a copy', () => {
    const input = {
      apiKey: 'k1',
      nested: { Authorization: 'x', password: 'p', list: [{ token: 't', keep: 'Bearer zzz' }] },
      model: 'mistral-small-latest',
      empty: '',
    };
    const out = redact(input, { secrets: ['mistral-small-'] });
    expect(out).toEqual({
      apiKey: '[REDACTED]',
      nested: {
        Authorization: '[REDACTED]',
        password: '[REDACTED]',
        list: [{ token: '[REDACTED]', keep: 'Bearer [REDACTED]' }],
      },
      model: '[REDACTED]latest',
      empty: '',
    });
    expect(input.apiKey).toBe('k1');
  });

  it('handles cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    const out = redact(a);
    expect(out.self).toBe(out);
  });

  it('scrubs an error and its cause chain in place', () => {
    const inner = Object.assign(new Error('inner Bearer t0ken'), {
      body: '{"auth":"Bearer t0ken"}',
    });
    const outer = new Error('outer with sk-extra-secret-1', { cause: inner });
    redactError(outer, { secrets: ['sk-extra-secret-1'] });
    expect(outer.message).toBe('outer with [REDACTED]');
    expect(outer.stack).not.toContain('sk-extra-secret-1');
    expect(inner.message).toBe('inner Bearer [REDACTED]');
    expect((inner as { body: string }).body).not.toContain('t0ken');
  });
});

describe('redact without secrets', () => {
  it('returns the same objects when there is nothing to remove, and copies only changed paths', () => {
    const clean = { a: [{ b: 'text' }], c: { d: 1 } };
    expect(redact(clean)).toBe(clean);
    const mixed = { keep: { x: 1 }, leak: { token: 't', y: 2 } };
    const out = redact(mixed);
    expect(out).not.toBe(mixed);
    expect(out.keep).toBe(mixed.keep);
    expect(out.leak).toEqual({ token: '[REDACTED]', y: 2 });
    expect(mixed.leak.token).toBe('t');
  });
});

describe('registered secrets', () => {
  it('ignores values too short to be a real key, so ordinary data is not corrupted', () => {
    registerSecret('chaos');
    expect(redactString('batch chaos-1')).toBe('batch chaos-1');
  });
});

describe('redactForStorage', () => {
  it('returns the value itself when its JSON holds no secret', () => {
    const value = {
      history: [{ role: 'user', content: 'hi' }],
      token: 'a field named token is data',
    };
    expect(redactForStorage(value)).toBe(value);
  });

  it('removes registered secrets and bearer tokens from stored values', () => {
    registerSecret('sk-storage-0123456789abcdef');
    const value = { note: 'key sk-storage-0123456789abcdef', header: 'Bearer abc.def' };
    expect(redactForStorage(value)).toEqual({
      note: 'key [REDACTED]',
      header: 'Bearer [REDACTED]',
    });
    expect(value.note).toContain('sk-storage');
  });
});
