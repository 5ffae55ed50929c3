import { createHmac } from 'node:crypto';
import { webhookKeys, type WebhookSecret } from './webhook-secret.js';

/** The three Standard Webhooks headers. */
export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The base64 HMAC-SHA256 of `id.timestamp.body` under `key`. */
export function webhookSignature(key: Buffer, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/**
 * Signs one webhook per the Standard Webhooks specification: `webhook-signature` holds one
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret, separated by spaces, so that a
 * receiver accepts the request with either key during a rotation.
 *
 * @param timestamp seconds since the epoch (default: now); each attempt signs with its own time.
 * @example
 * const headers = signWebhook(secret, 'msg_2b...', JSON.stringify(payload));
 */
export function signWebhook(
  secret: WebhookSecret | readonly Buffer[],
  id: string,
  body: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): WebhookHeaders {
  const keys = isKeyList(secret) ? secret : webhookKeys(secret);
  const signatures = keys.map((key) => `v1,${webhookSignature(key, id, timestamp, body)}`);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
  };
}

function isKeyList(secret: WebhookSecret | readonly Buffer[]): secret is readonly Buffer[] {
  return Array.isArray(secret) && secret.length > 0 && Buffer.isBuffer(secret[0]);
}
