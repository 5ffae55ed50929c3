import { redactString } from '@mistral-flows/core';

/** Most characters of content kept in one attribute; the rest is cut with a marker. */
export const MAX_CONTENT_CHARS = 16_384;

/**
 * Content as an attribute value: JSON for anything but a string, secrets removed by core's
 * redaction (registered API keys and webhook secrets, bearer tokens, `whsec_` secrets), cut to
 * `MAX_CONTENT_CHARS`.
 */
export function contentAttribute(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  const clean = redactString(text);
  return clean.length > MAX_CONTENT_CHARS
    ? `${clean.slice(0, MAX_CONTENT_CHARS)}…[truncated]`
    : clean;
}
