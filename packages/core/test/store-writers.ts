import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';

export interface WriterReport {
  name: string;
  written: number;
  increments: number;
  conflicts: number;
  errors: string[];
  errorCount: number;
}

/**
 * Starts `writers` processes on one store (a SQLite file, a FileStore directory, or a PostgreSQL
 * table: `path` is then the connection string), releases them together, and returns their
 * reports.
 */
export async function runWriters(
  kind: 'sqlite' | 'file' | 'postgres',
  path: string,
  writers: number,
  count: number,
  table = '',
): Promise<WriterReport[]> {
  const fixture = join(import.meta.dirname, 'fixtures', 'store-writer.mjs');
  const children = Array.from({ length: writers }, (_, i) =>
    spawn(process.execPath, [fixture, kind, path, `w${i}`, String(count), table], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = children.map((child) =>
    createInterface({ input: child.stdout })[Symbol.asyncIterator](),
  );
  const next = async (i: number) => {
    const line = await lines[i]!.next();
    if (line.done) throw new Error(`writer ${i} exited early`);
    return line.value;
  };
  for (let i = 0; i < writers; i++) expect(await next(i)).toBe('ready');
  for (const child of children) child.stdin.write('go\n');
  const reports: WriterReport[] = [];
  for (let i = 0; i < writers; i++) reports.push(JSON.parse(await next(i)) as WriterReport);
  for (const child of children) child.stdin.end();
  return reports;
}
