/**
 * Reports a missing service once: a loud single line when the tests may skip, an error when the
 * environment requires the service (CI sets REQUIRE_REDIS=1 and REQUIRE_BROWSER=1).
 */
export function missingService(options: {
  service: string;
  requireVariable: string;
  reason: string;
  howToStart: string;
}): void {
  const required = isTruthy(process.env[options.requireVariable]);
  if (required) {
    throw new Error(
      `${options.service} is required (${options.requireVariable}=1) but is not available: ${options.reason}. ${options.howToStart}`,
    );
  }
  process.stderr.write(
    `\n[SKIPPED] ${options.service} is not available (${options.reason}); its tests are skipped. ${options.howToStart}\n`,
  );
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}
