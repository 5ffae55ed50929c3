export interface ReplayLogOptions {
  /** Entries kept (default 50,000). */
  maxEntries?: number;
  /** Characters kept, summed over entries (default 64 Mi). */
  maxChars?: number;
}

/**
 * A bounded log of consecutive sequence numbers and their encoded records, oldest dropped first,
 * from which a reconnecting client gets exactly what it missed.
 */
export class ReplayLog {
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #entries: string[] = [];
  #start = 0;
  #firstSeq = 1;
  #chars = 0;

  constructor(options: ReplayLogOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 50_000);
    this.#maxChars = Math.max(1, options.maxChars ?? 64 * 1024 * 1024);
  }

  /** The sequence number of the oldest entry held (`lastSeq + 1` when empty). */
  get firstSeq(): number {
    return this.#firstSeq;
  }

  /** The sequence number of the newest entry appended (0 before the first). */
  get lastSeq(): number {
    return this.#firstSeq + this.size - 1;
  }

  get size(): number {
    return this.#entries.length - this.#start;
  }

  /** Appends the entry for `lastSeq + 1`. */
  append(seq: number, data: string): void {
    if (seq !== this.lastSeq + 1) {
      throw new RangeError(`replay log expected seq ${this.lastSeq + 1}, got ${seq}`);
    }
    this.#entries.push(data);
    this.#chars += data.length;
    while (this.size > 1 && (this.size > this.#maxEntries || this.#chars > this.#maxChars)) {
      this.#chars -= this.#entries[this.#start]!.length;
      this.#start++;
      this.#firstSeq++;
    }
    if (this.#start > 1024 && this.#start * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#start);
      this.#start = 0;
    }
  }

  /**
   * The entries after `seq`, oldest first; `undefined` when some of them were dropped already or
   * `seq` is ahead of the log (a client of an earlier server): the client needs a full state.
   */
  after(seq: number): string[] | undefined {
    if (!Number.isInteger(seq) || seq < this.#firstSeq - 1 || seq > this.lastSeq) return undefined;
    return this.#entries.slice(this.#start + (seq - this.#firstSeq + 1));
  }

  /** Every entry held, oldest first. */
  all(): string[] {
    return this.#entries.slice(this.#start);
  }
}
