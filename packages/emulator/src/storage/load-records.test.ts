import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadRecords } from './load-records.js';

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-records-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('loadRecords', () => {
  it('creates a missing directory', () => {
    const dir = join(tempDir(), 'jobs');
    expect(loadRecords(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });

  it('reads the records it is asked for and removes unfinished temporary files', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), '{"id":"a"}');
    writeFileSync(join(dir, 'a.requests.json'), '[]');
    writeFileSync(join(dir, 'b.json.123.abcd.tmp'), '{"id":"b"');
    writeFileSync(join(dir, 'a.data'), 'content');
    const isJob = (name: string) => name.endsWith('.json') && !name.endsWith('.requests.json');
    expect(loadRecords(dir, isJob)).toEqual([{ id: 'a' }]);
    expect(readdirSync(dir).sort()).toEqual(['a.data', 'a.json', 'a.requests.json']);
  });
});
