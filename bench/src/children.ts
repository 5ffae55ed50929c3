import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let installed = false;

/**
 * Remembers a child process so that it is killed (SIGKILL) when this process exits, however it
 * exits: normally, on an uncaught error, or on SIGINT/SIGTERM. Returns the child.
 */
export function track<T extends ChildProcess>(child: T): T {
  install();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Children still running, for a final report. */
export function liveChildren(): number {
  return live.size;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping ${live.size} child process(es)`);
      process.exit(code);
    });
  }
}
