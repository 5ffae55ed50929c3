import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { temporaryPath, writeFileAtomic, writeFileAtomicSync } from './atomic-write.js';
import { loadRecords } from './load-records.js';

/** The API's file object (without the `deleted` flag that retrieve adds). */
export interface FileRecord {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  sample_type: string;
  num_lines: number | null;
  mimetype: string | null;
  source: string;
  signature: string | null;
  expires_at: number | null;
  visibility: string | null;
}

/** Writes a file line by line (batch outputs) and stores it when finished. */
export interface FileWriter {
  /** Appends text; resolves when it is safe to write more. */
  write(text: string): Promise<void> | undefined;
  /** Stores the file and returns its record (`bytes` and `num_lines` filled). */
  finish(): Promise<FileRecord>;
  /** Drops what was written. */
  abort(): Promise<void>;
  readonly lines: number;
}

const flushAt = 1024 * 1024;

/**
 * Files in memory (as chunks, so large batch outputs are never copied into one buffer) or, with a
 * directory, on disk as `<id>.data` beside an `<id>.json` record, both written atomically.
 */
export class FileStore {
  private readonly records = new Map<string, FileRecord>();
  private readonly contents = new Map<string, Buffer[]>();
  private readonly dir?: string;

  constructor(dataDir?: string) {
    if (dataDir !== undefined) {
      this.dir = join(dataDir, 'files');
      for (const record of loadRecords<FileRecord>(this.dir)) this.records.set(record.id, record);
    }
  }

  get size(): number {
    return this.records.size;
  }

  get(id: string): FileRecord | undefined {
    return this.records.get(id);
  }

  list(): FileRecord[] {
    return [...this.records.values()];
  }

  async put(record: FileRecord, content: Buffer): Promise<void> {
    if (this.dir) {
      await writeFileAtomic(join(this.dir, `${record.id}.data`), content);
      await writeFileAtomic(join(this.dir, `${record.id}.json`), JSON.stringify(record));
    } else {
      this.contents.set(record.id, [content]);
    }
    this.records.set(record.id, record);
  }

  /** The content as a sequence of buffers, read lazily from disk. */
  async *chunks(id: string): AsyncGenerator<Buffer> {
    if (this.dir) {
      for await (const chunk of createReadStream(join(this.dir, `${id}.data`), {
        highWaterMark: 256 * 1024,
      })) {
        yield chunk as Buffer;
      }
      return;
    }
    const chunks = this.contents.get(id);
    if (!chunks) throw new Error(`file ${id} has no content`);
    yield* chunks;
  }

  async read(id: string): Promise<Buffer> {
    if (this.dir) return readFile(join(this.dir, `${id}.data`));
    return Buffer.concat(this.contents.get(id) ?? []);
  }

  writer(record: Omit<FileRecord, 'bytes' | 'num_lines'>): FileWriter {
    return this.dir ? this.diskWriter(record, this.dir) : this.memoryWriter(record);
  }

  async delete(id: string): Promise<boolean> {
    if (!this.records.delete(id)) return false;
    this.contents.delete(id);
    if (this.dir) {
      await rm(join(this.dir, `${id}.json`), { force: true });
      await rm(join(this.dir, `${id}.data`), { force: true });
    }
    return true;
  }

  async clear(): Promise<void> {
    for (const id of [...this.records.keys()]) await this.delete(id);
  }

  private memoryWriter(base: Omit<FileRecord, 'bytes' | 'num_lines'>): FileWriter {
    const chunks: Buffer[] = [];
    let pending: string[] = [];
    let pendingLength = 0;
    let bytes = 0;
    let lines = 0;
    const flush = () => {
      if (pending.length === 0) return;
      const chunk = Buffer.from(pending.join(''));
      bytes += chunk.length;
      chunks.push(chunk);
      pending = [];
      pendingLength = 0;
    };
    return {
      get lines() {
        return lines;
      },
      write: (text) => {
        pending.push(text);
        pendingLength += text.length;
        lines++;
        if (pendingLength >= flushAt) flush();
        return undefined;
      },
      finish: () => {
        flush();
        const record: FileRecord = { ...base, bytes, num_lines: lines };
        this.records.set(record.id, record);
        this.contents.set(record.id, chunks);
        return Promise.resolve(record);
      },
      abort: () => Promise.resolve(),
    };
  }

  private diskWriter(base: Omit<FileRecord, 'bytes' | 'num_lines'>, dir: string): FileWriter {
    const path = join(dir, `${base.id}.data`);
    const tmp = temporaryPath(path);
    const stream: WriteStream = createWriteStream(tmp);
    let lines = 0;
    let aborted = false;
    let failure: Error | undefined;
    // The stream's errors are kept and reported by the next write or by finish(). After abort()
    // the file is being thrown away, and writes the file system was still doing report to a
    // destroyed stream: those errors are expected and mean nothing.
    stream.on('error', (error) => {
      if (!aborted) failure ??= error;
    });
    return {
      get lines() {
        return lines;
      },
      write: (text) => {
        if (failure) return Promise.reject(failure);
        lines++;
        return stream.write(text) ? undefined : once(stream, 'drain').then(() => undefined);
      },
      finish: async () => {
        if (failure) throw failure;
        stream.end();
        await once(stream, 'finish');
        await rename(tmp, path);
        const record: FileRecord = { ...base, bytes: stream.bytesWritten, num_lines: lines };
        writeFileAtomicSync(join(dir, `${record.id}.json`), JSON.stringify(record));
        this.records.set(record.id, record);
        return record;
      },
      abort: async () => {
        aborted = true;
        // The stream opens its file asynchronously, and a destroyed stream still opens it before
        // closing: remove the file only once the stream has closed, or it appears afterwards.
        const closed = stream.closed
          ? Promise.resolve()
          : new Promise<void>((resolve) => stream.once('close', () => resolve()));
        stream.destroy();
        await closed;
        await rm(tmp, { force: true });
      },
    };
  }
}
