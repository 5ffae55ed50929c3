import { randomBytes } from 'node:crypto';
import { registerSecret } from '@mistral-flows/core';
import { WebhookSecretError } from '../errors/webhook-secret-error.js';

/** One `whsec_<base64>` secret, or several during a key rotation (the first is the newest). */
export type WebhookSecret = string | readonly string[];

const PREFIX = 'whsec_';
const MIN_BYTES = 24;
const MAX_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Decodes Standard Webhooks secrets (`whsec_` followed by 24 to 64 bytes in base64) into HMAC keys,
 * and registers each one with core's `redact`, so that a secret never shows in an error, a log or
 * a dead letter. Throws `WebhookSecretError` for a missing or malformed secret.
 */
export function webhookKeys(secret: WebhookSecret | undefined): Buffer[] {
  const secrets = typeof secret === 'string' ? [secret] : secret ? [...secret] : [];
  if (secrets.length === 0) {
    throw new WebhookSecretError(
      'webhook_secret_missing',
      'A webhook secret is required to sign webhooks: pass webhook.secret (whsec_...; see generateWebhookSecret()).',
    );
  }
  return secrets.map((value, index) => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new WebhookSecretError(
        'webhook_secret_missing',
        `Webhook secret #${index + 1} is empty.`,
      );
    }
    registerSecret(value);
    const encoded = value.startsWith(PREFIX) ? value.slice(PREFIX.length) : value;
    registerSecret(encoded);
    if (!BASE64.test(encoded)) {
      throw new WebhookSecretError(
        'webhook_secret_invalid',
        `Webhook secret #${index + 1} is not base64 after its "whsec_" prefix.`,
      );
    }
    const key = Buffer.from(encoded, 'base64');
    if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
      throw new WebhookSecretError(
        'webhook_secret_invalid',
        `Webhook secret #${index + 1} decodes to ${key.length} bytes; Standard Webhooks asks for ${MIN_BYTES} to ${MAX_BYTES}.`,
      );
    }
    return key;
  });
}

/** A new random secret in the Standard Webhooks format: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  const secret = `${PREFIX}${randomBytes(32).toString('base64')}`;
  registerSecret(secret);
  return secret;
}
