/** The first allocation when more than one chunk arrives (and the most trusted from a header). */
const initialCapacity = 64 * 1024;

/**
 * Collects a body as its chunks arrive, in a buffer that doubles when full, so that memory follows
 * the bytes received and never a size the client only announced. With an `expected` size
 * (`Content-Length`) the buffer never grows past it, and a body of exactly that size ends in a
 * buffer of exactly that size. A body that fits in one chunk is returned without a copy.
 */
export class GrowingBuffer {
  private first?: Buffer;
  private buffer?: Buffer;
  private length = 0;

  constructor(private readonly expected?: number) {}

  get size(): number {
    return this.length;
  }

  append(chunk: Buffer): void {
    if (this.length === 0 && this.buffer === undefined) {
      this.first = chunk;
      this.length = chunk.length;
      return;
    }
    const needed = this.length + chunk.length;
    if (this.buffer === undefined || needed > this.buffer.length) this.grow(needed);
    chunk.copy(this.buffer!, this.length);
    this.length = needed;
  }

  /** The bytes received, in one buffer. */
  result(): Buffer {
    if (this.buffer === undefined) return this.first ?? Buffer.alloc(0);
    const buffer = this.buffer;
    if (this.length === buffer.length) return buffer;
    // Give back the spare capacity when it is large (a body sent without Content-Length).
    if (buffer.length - this.length > this.length / 4)
      return Buffer.from(buffer.subarray(0, this.length));
    return buffer.subarray(0, this.length);
  }

  private grow(needed: number): void {
    let capacity = Math.max(needed, initialCapacity, (this.buffer?.length ?? 0) * 2);
    if (this.expected !== undefined && needed <= this.expected) {
      capacity = Math.min(capacity, this.expected);
    }
    const next = Buffer.allocUnsafe(capacity);
    if (this.buffer !== undefined) this.buffer.copy(next, 0, 0, this.length);
    else this.first!.copy(next, 0);
    this.first = undefined;
    this.buffer = next;
  }
}
