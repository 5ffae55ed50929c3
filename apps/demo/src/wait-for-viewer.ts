import type { Visualizer } from '@mistral-flows/visualizer';

/**
 * With `--ui`: waits until a page has connected to the visualizer, so that nothing runs before
 * someone watches, or until Enter is pressed when stdin is a terminal. Resolves early (without
 * an error) when `signal` aborts: the caller then sees `signal.aborted` and starts nothing.
 * Returns what ended the wait.
 */
export async function waitForViewer(
  visualizer: Visualizer,
  signal: AbortSignal,
  stdin: NodeJS.ReadStream = process.stdin,
): Promise<'page' | 'enter' | 'aborted'> {
  if (signal.aborted) return 'aborted';
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const waits: Array<Promise<'page' | 'enter' | 'aborted'>> = [
    visualizer.waitForPage({ signal: stop.signal }).then(
      () => 'page' as const,
      () => 'aborted' as const,
    ),
  ];
  let onData: (() => void) | undefined;
  if (stdin.isTTY === true) {
    waits.push(
      new Promise((resolve) => {
        onData = () => resolve('enter');
        stdin.on('data', onData);
        stdin.resume();
      }),
    );
  }
  try {
    return await Promise.race(waits);
  } finally {
    signal.removeEventListener('abort', onAbort);
    stop.abort();
    if (onData !== undefined) {
      stdin.off('data', onData);
      // Paused again, so that stdin does not keep the process alive after the demo.
      stdin.pause();
    }
  }
}
