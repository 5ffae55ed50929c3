import { describe, expect, it } from 'vitest';
import { isMultipart, parseMultipart } from './multipart.js';

/** A multipart body written by hand, for the forms `FormData` never produces. */
function body(boundary: string, ...parts: Array<[headers: string, content: string]>): Buffer {
  return Buffer.from(
    parts
      .map(([headers, content]) => `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`)
      .join('') + `--${boundary}--\r\n`,
  );
}

describe('parseMultipart', () => {
  it('reads the parts that fetch sends, byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'data.bin');
    form.append('purpose', 'batch');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const raw = Buffer.from(await request.arrayBuffer());
    const parts = (await parseMultipart(raw, request.headers.get('content-type')!))!;
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['file', 'data.bin', 'application/octet-stream'],
      ['purpose', undefined, undefined],
    ]);
    expect(Buffer.compare(parts[0]!.data, bytes)).toBe(0);
    expect(parts[1]!.data.toString()).toBe('batch');
  });

  it('decodes filename* (RFC 5987) and escaped quotes in a quoted filename', async () => {
    const raw = body(
      'b1',
      [
        `Content-Disposition: form-data; name="file"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.jsonl`,
        '{}',
      ],
      ['Content-Disposition: form-data; name="other"; filename="say \\"hi\\".txt"', 'x'],
    );
    const parts = (await parseMultipart(raw, 'multipart/form-data; boundary=b1'))!;
    expect(parts.map((p) => p.filename)).toEqual(['naïve résumé.jsonl', 'say "hi".txt']);
  });

  it('rejects bodies that are not multipart or not well formed', async () => {
    expect(isMultipart('application/json')).toBe(false);
    expect(isMultipart('multipart/form-data')).toBe(false);
    expect(await parseMultipart(Buffer.from('hello'), 'multipart/form-data; boundary=abc')).toBe(
      undefined,
    );
    expect(
      await parseMultipart(
        Buffer.from('--abc\r\nno headers end'),
        'multipart/form-data; boundary=abc',
      ),
    ).toBeUndefined();
  });
});
