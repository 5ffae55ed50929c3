import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Opens a directory of JSON records written atomically (`<id>.json`): creates it when missing,
 * removes the temporary files of writes that a stopped run left unfinished, and returns the
 * records of the files `isRecord` accepts, for a store to index.
 */
export function loadRecords<T>(
  dir: string,
  isRecord: (name: string) => boolean = (name) => name.endsWith('.json'),
): T[] {
  mkdirSync(dir, { recursive: true });
  const records: T[] = [];
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
    else if (isRecord(name)) records.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as T);
  }
  return records;
}
