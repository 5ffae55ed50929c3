/** The variable that picks the wire the integration suites run on: `sdk` (default) or `fast`. */
export const TEST_WIRE_VARIABLE = 'MISTRAL_FLOWS_TEST_WIRE';

/** The wires of `createClient` (`@mistral-flows/core`'s `ClientWire`), named here without it. */
export type TestWire = 'sdk' | 'fast';

/**
 * The wire the tests build their clients on: `MISTRAL_FLOWS_TEST_WIRE` (`sdk` or `fast`), `sdk`
 * when it is unset or empty. The `*-fast-wire` vitest projects set it to `fast` and re-run the
 * stream, agents and queue suites; child processes inherit it through the environment. Any other
 * value throws, so that a typo never quietly runs the SDK wire twice.
 *
 * @example
 * const client = createClient({ serverURL: emulator.url, wire: testWire() });
 */
export function testWire(env: Record<string, string | undefined> = process.env): TestWire {
  const value = env[TEST_WIRE_VARIABLE];
  if (value === undefined || value === '') return 'sdk';
  if (value === 'sdk' || value === 'fast') return value;
  throw new Error(`${TEST_WIRE_VARIABLE} must be "sdk" or "fast" (or unset), got "${value}"`);
}
