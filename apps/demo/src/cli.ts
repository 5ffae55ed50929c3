#!/usr/bin/env node
import { parseOptions, USAGE, UsageError } from './options.js';

/** How long the process may take to exit by itself after the demo is done, before it is made to. */
const EXIT_GRACE_MS = 5_000;

// `pnpm demo | head` closes the pipe early: stop quietly instead of printing a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`mistral-flows demo: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Ctrl-C stops the demo cleanly (services closed); a second one exits at once.
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    if (!options.ui) process.stderr.write('\nstopping (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Loaded here so that --help and usage errors answer at once: the SDK takes a moment to load.
    const { runDemo } = await import('./run-demo.js');
    return await runDemo(options, controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    // Every service is closed by now and the process ends by itself; should a library keep a
    // handle open, do not hang the terminal.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `mistral-flows demo: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
