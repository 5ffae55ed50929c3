import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * A batch or shard key as the stem of its file names: a readable slug (letters, digits, `.`, `_`
 * and `-` kept, anything else `_`, at most 40 characters) and the first 16 hex digits of the
 * SHA-256 of the exact key. Keys that differ only in punctuation (`team/a`, `team_a`) share a slug
 * but never a stem, so no two batches share a file.
 */
export function fileStem(key: string): string {
  const slug = key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16);
  return `${slug}-${hash}`;
}

export const inputPath = (workDir: string, key: string, attempt: number) =>
  join(workDir, `${fileStem(key)}.a${attempt}.input.jsonl`);
export const outputPath = (workDir: string, key: string, attempt: number) =>
  join(workDir, `${fileStem(key)}.a${attempt}.output.jsonl`);
export const errorPath = (workDir: string, key: string, attempt: number) =>
  join(workDir, `${fileStem(key)}.a${attempt}.errors.jsonl`);
/** The shard list of a prepared batch, written once its input files are in place. */
export const manifestPath = (workDir: string, key: string) =>
  join(workDir, `${fileStem(key)}.shards.json`);
/** The name an input file is uploaded under, found again by name and size after a crash. */
export const uploadName = (key: string, attempt: number) => `${fileStem(key)}.a${attempt}.jsonl`;
