import { parseArgs, usage } from './cli/parse-args.js';
import { EmulatorError } from './errors/emulator-error.js';
import { startEmulator } from './start-emulator.js';

/**
 * `mistral-flows-emulator [flags]`: starts the emulator, prints `listening on <url>` once ready,
 * and closes gracefully on SIGINT or SIGTERM.
 */
async function main(): Promise<void> {
  const command = parseArgs(process.argv.slice(2));
  if (command.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const emulator = await startEmulator(command.options);
  process.stdout.write(`listening on ${emulator.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        process.stderr.write(`mistral-flows-emulator: closing failed: ${message}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const message =
    EmulatorError.isInstance(error) || error instanceof Error ? error.message : String(error);
  process.stderr.write(`mistral-flows-emulator: ${message}\n`);
  process.exit(1);
});
