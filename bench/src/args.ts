import { parseArgs } from 'node:util';

/** What a bench CLI was given: its string flags, `--list`, and the names after the flags. */
export interface CliArgs {
  values: Record<string, string | undefined>;
  list: boolean;
  names: string[];
}

/**
 * Reads a bench CLI's arguments with `node:util`'s `parseArgs`: the string flags named in
 * `flags`, `--list` and `--help` (which prints `usage` and exits 0), and names. A mistake (an
 * unknown flag, a missing value) is printed with the usage, and the process exits 2.
 */
export function readCliArgs(argv: string[], flags: readonly string[], usage: string): CliArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      options: {
        ...Object.fromEntries(flags.map((flag) => [flag, { type: 'string' as const }])),
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    process.exit(2);
  }
  if (parsed.values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  const values = Object.fromEntries(
    flags.map((flag) => {
      const value = parsed.values[flag];
      return [flag, typeof value === 'string' ? value : undefined];
    }),
  );
  return { values, list: parsed.values.list === true, names: parsed.positionals };
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
