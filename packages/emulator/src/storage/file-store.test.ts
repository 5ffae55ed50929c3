import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileStore } from './file-store.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const record = (id: string) => ({
  id,
  object: 'file' as const,
  created_at: 0,
  filename: `${id}.jsonl`,
  purpose: 'batch' as const,
  sample_type: 'batch_result' as const,
  source: 'mistral' as const,
});

describe('FileStore writer on disk', () => {
  it('aborts with writes still in flight without an unhandled stream error, and leaves no file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-files-'));
    const store = new FileStore(dir);
    const line = `${'x'.repeat(1_000)}\n`;
    for (let round = 0; round < 20; round++) {
      const writer = store.writer(record(`file-${round}`) as never);
      // Once the file is open and written to, queue short lines (each fits the stream's buffer, so
      // nobody waits for a drain) behind a write in flight, then abort: the writes still going
      // report to a stream that is gone.
      await writer.write(`${'x'.repeat(64 * 1024)}\n`);
      const queued: Array<Promise<void>> = [];
      for (let i = 0; i < 8; i++) {
        const pending = writer.write(line);
        if (pending) queued.push(pending);
      }
      const settled = Promise.allSettled(queued);
      await writer.abort();
      await settled;
    }
    expect(readdirSync(join(dir, 'files'))).toEqual([]);
  });

  it('aborts a writer whose file is not open yet, and leaves no file once it has opened', async () => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-files-'));
    const store = new FileStore(dir);
    for (let round = 0; round < 20; round++) {
      // No await between creating and aborting: the stream is still opening its file.
      const writer = store.writer(record(`early-${round}`) as never);
      await writer.abort();
    }
    expect(readdirSync(join(dir, 'files'))).toEqual([]);
  });
});
