import { spawn, type ChildProcess } from 'node:child_process';

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
