import { join } from 'node:path';

/** A batch key as a file-name part: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '_');
}

export const inputPath = (workDir: string, key: string, attempt: number) =>
  join(workDir, `${safeName(key)}.a${attempt}.input.jsonl`);
export const outputPath = (workDir: string, key: string, attempt: number) =>
  join(workDir, `${safeName(key)}.a${attempt}.output.jsonl`);
export const errorPath = (workDir: string, key: string, attempt: number) =>
  join(workDir, `${safeName(key)}.a${attempt}.errors.jsonl`);
