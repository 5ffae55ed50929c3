#!/usr/bin/env node
import { parseOptions, USAGE, UsageError } from './options.js';
import { runDemo } from './run-demo.js';

/** How long the process may take to exit by itself after the demo is done, before it is made to. */
const EXIT_GRACE_MS = 5_000;

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
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
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
