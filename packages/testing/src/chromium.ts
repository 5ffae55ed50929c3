import { accessSync, constants } from 'node:fs';
import { missingService } from './skip.js';

export interface ChromiumService {
  /** True when the Chromium binary exists and is executable. */
  readonly available: boolean;
  /** `CHROMIUM_PATH` or `/usr/bin/chromium`. */
  readonly executablePath: string;
}

/**
 * Finds Debian's Chromium for the browser tests (`*.browser.test.ts`). Skips loudly when it is
 * missing, fails when `REQUIRE_BROWSER=1`. Launch it through playwright-core with
 * `chromiumArgs(userDataDir)`; never download a browser.
 */
export function useChromium(): ChromiumService {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  try {
    accessSync(executablePath, constants.X_OK);
    return { available: true, executablePath };
  } catch {
    missingService({
      service: 'Chromium',
      requireVariable: 'REQUIRE_BROWSER',
      reason: `no executable at ${executablePath}`,
      howToStart: 'Install it with `apt-get install -y chromium` or set CHROMIUM_PATH.',
    });
    return { available: false, executablePath };
  }
}

/**
 * The flags every browser test (and the visualizer benchmark) launches Chromium with: headless, no
 * sandbox (root in CI), and no background networking, so that it makes no connection the closed
 * network would refuse.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `CHROMIUM_FLAGS` with a fresh profile directory, for `chromium.launch({ args })`. */
export function chromiumArgs(userDataDir: string): string[] {
  return [...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`];
}
