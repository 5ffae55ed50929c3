import { describe, expect, it } from 'vitest';
import { multipartBoundary, parseMultipart } from './multipart.js';

describe('parseMultipart', () => {
  it('reads the parts that fetch sends, byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'data.bin');
    form.append('purpose', 'batch');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const boundary = multipartBoundary(request.headers.get('content-type')!)!;
    const parts = parseMultipart(body, boundary)!;
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['file', 'data.bin', 'application/octet-stream'],
      ['purpose', undefined, undefined],
    ]);
    expect(Buffer.compare(parts[0]!.data, bytes)).toBe(0);
    expect(parts[1]!.data.toString()).toBe('batch');
  });

  it('rejects bodies that are not multipart', () => {
    expect(multipartBoundary('application/json')).toBeUndefined();
    expect(parseMultipart(Buffer.from('hello'), 'abc')).toBeUndefined();
    expect(parseMultipart(Buffer.from('--abc\r\nno headers end'), 'abc')).toBeUndefined();
  });
});
