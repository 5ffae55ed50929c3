import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '@mistral-flows/core/sqlite';

/** A fixture process whose stdout is read as lines, and whose stdin takes commands. */
export interface Child {
  process: ChildProcess;
  /** Every line it printed so far. */
  lines: string[];
  exited: Promise<number | null>;
}

/** Runs `node <fixture> ...args`, collecting its stdout lines; stderr goes to the test's. */
export function spawnChild(fixture: string, args: string[]): Child {
  const child = spawn(process.execPath, [fixture, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffer = '';
  child.stdout.on('data', (data: Buffer) => {
    buffer += data.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { process: child, lines, exited };
}

/**
 * The crash fixtures' command line: `<mode> <emulator url> <dir>/<id>.db <id> <dir>/<id>.log`
 * (the SQLite store and the tool-execution log of run `id`).
 */
export function runFixture(
  fixture: string,
  mode: 'start' | 'resume',
  emulatorUrl: string,
  dir: string,
  id: string,
): Child {
  return spawnChild(fixture, [
    mode,
    emulatorUrl,
    join(dir, `${id}.db`),
    id,
    join(dir, `${id}.log`),
  ]);
}

/** The value stored under `key` in run `id`'s SQLite file, if the file and the key exist. */
export async function readStored<T>(dir: string, id: string, key: string): Promise<T | undefined> {
  const path = join(dir, `${id}.db`);
  if (!existsSync(path)) return undefined;
  const store = new SqliteStore({ path });
  try {
    return (await store.get<T>(key))?.value;
  } finally {
    await store.close();
  }
}
