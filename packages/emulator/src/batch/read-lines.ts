/**
 * Splits a stream of buffers into lines, yielding the complete lines of each chunk together (so
 * that callers pay one await per chunk, not per line). Line ends are `\n` or `\r\n`; a last line
 * without a newline is yielded at the end. Memory holds one chunk and one partial line at a time.
 */
export async function* readLineBatches(source: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
  let carry: Buffer | undefined;
  for await (const chunk of source) {
    const lines: string[] = [];
    let start = 0;
    let newline = chunk.indexOf(10);
    if (carry !== undefined && newline >= 0) {
      lines.push(trimCr(Buffer.concat([carry, chunk.subarray(0, newline)]).toString('utf8')));
      carry = undefined;
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    while (newline >= 0) {
      lines.push(trimCr(chunk.toString('utf8', start, newline)));
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      carry = carry === undefined ? Buffer.from(rest) : Buffer.concat([carry, rest]);
    }
    if (lines.length > 0) yield lines;
  }
  if (carry !== undefined && carry.length > 0) yield [trimCr(carry.toString('utf8'))];
}

function trimCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Counts the non-blank lines of a stream of buffers without decoding them. */
export async function countLines(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<number> {
  let count = 0;
  let blank = true;
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === 10) {
        if (!blank) count++;
        blank = true;
      } else if (byte !== 13 && byte !== 32 && byte !== 9) {
        blank = false;
      }
    }
  }
  return blank ? count : count + 1;
}
