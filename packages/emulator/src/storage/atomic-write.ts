import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

function temporary(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Writes a file so that readers see the old content or the new one, never a part (write + rename). */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = temporary(path);
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** The synchronous form, for small records written on state changes. */
export function writeFileAtomicSync(path: string, data: string | Buffer): void {
  const tmp = temporary(path);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** A temporary name beside `path`, for content written in several steps before a rename. */
export function temporaryPath(path: string): string {
  return temporary(path);
}
