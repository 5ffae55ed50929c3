import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from '../children.js';

/** A Node child process whose stdout is read line by line. */
export interface NodeChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** The last few KB of stderr, for reports. */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** Resolves with the first line (already seen or to come) that matches, or undefined after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string | undefined>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  write(line: string): void;
}

/** The built script `name` of `bench/dist/chaos/children/`. */
export function childScript(name: string): string {
  return fileURLToPath(new URL(`./children/${name}.js`, import.meta.url));
}

/** Starts `node <script> ...args`, tracked so that it dies with this process. */
export function spawnNode(script: string, args: string[], env?: NodeJS.ProcessEnv): NodeChild {
  const child = track(
    spawn(process.execPath, [script, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(env ? { env: { ...process.env, ...env } } : {}),
    }),
  );
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  let buffer = '';
  child.stdout.on('data', (data: Buffer) => {
    buffer += data.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) waiter(line);
    }
  });
  let err = '';
  child.stderr.on('data', (data: Buffer) => {
    err = (err + data.toString()).slice(-4096);
  });
  child.stdin.on('error', () => undefined);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    pid: child.pid!,
    lines,
    stderr: () => err,
    exited,
    hasExited: () => done,
    waitForLine(match, timeoutMs) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const finish = (line: string | undefined) => {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(line);
        };
        const waiter = (line: string) => {
          if (match(line)) finish(line);
        };
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        waiters.add(waiter);
        void exited.then(() => setTimeout(() => finish(lines.find(match)), 50));
      });
    },
    async kill() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
    write(line) {
      if (!done) child.stdin.write(`${line}\n`);
    },
  };
}
