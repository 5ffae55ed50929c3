import { describe, expect, it } from 'vitest';
import { countLines, readLineBatches } from './read-lines.js';

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function all(source: AsyncIterable<Buffer>): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of readLineBatches(source)) lines.push(...batch);
  return lines;
}

describe('readLineBatches', () => {
  it('joins lines split across chunks, handles CRLF and a last line without newline', async () => {
    expect(await all(chunks('{"a":1}\n{"b"', ':2}\r\n\n{"c":', '3}'))).toEqual([
      '{"a":1}',
      '{"b":2}',
      '',
      '{"c":3}',
    ]);
  });

  it('keeps multi-byte characters intact across chunk boundaries', async () => {
    const bytes = Buffer.from('héllo\nwörld\n');
    const source = (async function* () {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    })();
    expect(await all(source)).toEqual(['héllo', 'wörld']);
  });
});

describe('countLines', () => {
  it('counts non-blank lines', async () => {
    expect(await countLines(chunks('a\n\n  \nb\r\n', 'c'))).toBe(3);
    expect(await countLines(chunks(''))).toBe(0);
  });
});
