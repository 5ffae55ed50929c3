import { describe, expect, it } from 'vitest';
import { GrowingBuffer } from './growing-buffer.js';

const chunks = (count: number, size: number) =>
  Array.from({ length: count }, (_, i) => Buffer.alloc(size, 97 + (i % 26)));

describe('GrowingBuffer', () => {
  it('returns a body of one chunk as it is, and an empty body as an empty buffer', () => {
    const only = Buffer.from('{"a":1}');
    const body = new GrowingBuffer(only.length);
    body.append(only);
    expect(body.result()).toBe(only);
    expect(new GrowingBuffer().result()).toHaveLength(0);
  });

  it('keeps every byte in order, and ends at exactly the expected size without a spare byte', () => {
    const parts = chunks(50, 10_000);
    const body = new GrowingBuffer(500_000);
    for (const part of parts) body.append(part);
    const result = body.result();
    expect(result.equals(Buffer.concat(parts))).toBe(true);
    expect(result.buffer.byteLength).toBeLessThanOrEqual(500_000 + 8192);
    expect(body.size).toBe(500_000);
  });

  it('grows only with the bytes received, whatever size was announced', () => {
    const body = new GrowingBuffer(512 * 1024 * 1024);
    for (const part of chunks(3, 1000)) body.append(part);
    expect(body.result().buffer.byteLength).toBeLessThanOrEqual(64 * 1024 + 8192);
  });

  it('without an announced size, gives back large spare capacity at the end', () => {
    const parts = chunks(9, 10_000);
    const body = new GrowingBuffer();
    for (const part of parts) body.append(part);
    const result = body.result();
    expect(result.equals(Buffer.concat(parts))).toBe(true);
    expect(result.buffer.byteLength).toBeLessThan(90_000 * 1.25 + 8192);
  });
});
