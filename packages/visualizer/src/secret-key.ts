/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

const SECRET_SUFFIX =
  /(apikey|authorization|secret|password|passwd|passphrase|token|credentials?|cookie|privatekey)$/;

/**
 * True for property names that hold secrets: `apiKey`, `api_key`, `x-api-key`, `authorization`,
 * `secret`, `clientSecret`, `webhookSecret`, `password`, `token`, `accessToken`, `cookie`,
 * `privateKey`, ... (case, `-` and `_` ignored). Counters such as `totalTokens` do not match.
 */
export function isSecretKey(key: string): boolean {
  return SECRET_SUFFIX.test(key.toLowerCase().replace(/[-_\s]/g, ''));
}

const BEARER = /(Bearer\s+)[^\s"',;]+/gi;

/** Removes bearer credentials from free text (error messages, logged headers). */
export function redactText(text: string): string {
  return text.replace(BEARER, `$1${REDACTED}`);
}
