/**
 * Runs a CLI's `node:util` `parseArgs` call; on a mistake (an unknown flag, a missing value),
 * prints it with the usage and exits 2.
 */
export function parsedOrExit<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
}

/** The value of `flag` as a whole number >= `min`, or exits 2 naming the flag. */
export function wholeNumber(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`${flag} needs a whole number >= ${min}, got "${value}"`);
    process.exit(2);
  }
  return n;
}
