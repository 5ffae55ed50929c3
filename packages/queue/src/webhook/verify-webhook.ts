import { timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from '../errors/webhook-verification-error.js';
import type { ReplayGuard } from './replay-guard.js';
import { webhookSignature } from './sign-webhook.js';
import { webhookKeys, type WebhookSecret } from './webhook-secret.js';

/** Headers as Node (`req.headers`), fetch (`Headers`) or a plain record give them. */
export type WebhookRequestHeaders =
  Headers | Record<string, string | readonly string[] | undefined>;

export interface VerifyWebhookOptions {
  /** Largest accepted distance between the `webhook-timestamp` and now, in seconds (default 300). */
  toleranceSec?: number;
  /**
   * Claims each `webhook-id` while the receiver processes it and refuses it once processed
   * (`memoryReplayGuard()`, `redisReplayGuard(redis)`): see `VerifiedWebhook.markProcessed`.
   */
  replayGuard?: ReplayGuard;
  /**
   * How long a claimed id refuses other requests (`webhook_in_progress`) when its processing is
   * neither marked processed nor released, as after a crash (default 60 s).
   */
  leaseMs?: number;
  /** Clock in milliseconds (default `Date.now`). */
  now?: () => number;
}

export interface VerifiedWebhook<T = unknown> {
  /** `webhook-id`: the same for every retry of one message; deduplicate on it. */
  id: string;
  /** `webhook-timestamp`, when this attempt was signed. */
  timestamp: Date;
  /** The body parsed as JSON (`undefined` for an empty body). */
  payload: T;
  /**
   * Call once the event is handled: with a `replayGuard`, the id becomes a replay, refused with
   * `webhook_replayed` (answer those 2xx: the sender is retrying an event you have). Without a
   * guard, and after the first call, it does nothing.
   */
  markProcessed(): Promise<void>;
  /**
   * Call when handling failed: with a `replayGuard`, the claim on the id is dropped so that the
   * sender's retry is accepted. Without a guard, after `markProcessed` and after the first call,
   * it does nothing.
   */
  release(): Promise<void>;
}

/**
 * Verifies a Standard Webhooks request for receivers: the three headers are present, the
 * timestamp is within `toleranceSec` of now (replays of old captures fail), one of the `v1`
 * signatures matches the HMAC of `id.timestamp.body` under one of the secrets (compared in
 * constant time), and, with a `replayGuard`, the id is neither processed already
 * (`webhook_replayed`) nor being processed by another request (`webhook_in_progress`).
 *
 * With a guard, a verified request holds a claim on its id: call `markProcessed()` once the event
 * is handled, or `release()` when handling failed, so that the sender's retry (same id) is
 * accepted. Only a processed event makes its id a replay.
 *
 * Pass the raw body exactly as received: re-serialised JSON does not verify.
 * Throws `WebhookVerificationError` (code names the reason) when any check fails.
 *
 * @example
 * const webhook = await verifyWebhook(rawBody, req.headers, secret, { replayGuard });
 * try {
 *   await handle(webhook.payload);
 *   await webhook.markProcessed();
 * } catch (error) {
 *   await webhook.release();
 *   throw error;
 * }
 */
export async function verifyWebhook<T = unknown>(
  rawBody: string | Uint8Array,
  headers: WebhookRequestHeaders,
  secret: WebhookSecret,
  options: VerifyWebhookOptions = {},
): Promise<VerifiedWebhook<T>> {
  const { toleranceSec = 300, replayGuard, leaseMs = 60_000, now = Date.now } = options;
  const keys = webhookKeys(secret);
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatureText = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatureText) {
    throw new WebhookVerificationError(
      'webhook_headers_missing',
      'Missing webhook-id, webhook-timestamp or webhook-signature header',
    );
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new WebhookVerificationError(
      'webhook_timestamp_invalid',
      'webhook-timestamp is not an integer number of seconds',
    );
  }
  const timestamp = Number(timestampText);
  const nowSec = Math.floor(now() / 1000);
  if (nowSec - timestamp > toleranceSec) {
    throw new WebhookVerificationError(
      'webhook_timestamp_too_old',
      `webhook-timestamp is more than ${toleranceSec} s old`,
    );
  }
  if (timestamp - nowSec > toleranceSec) {
    throw new WebhookVerificationError(
      'webhook_timestamp_too_new',
      `webhook-timestamp is more than ${toleranceSec} s in the future`,
    );
  }
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  const expected = keys.map((key) =>
    Buffer.from(webhookSignature(key, id, timestamp, body), 'base64'),
  );
  let matched = false;
  for (const part of signatureText.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(part.slice(comma + 1), 'base64');
    for (const candidate of expected) {
      // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the key.
      if (given.length === candidate.length && timingSafeEqual(given, candidate)) matched = true;
    }
  }
  if (!matched) {
    throw new WebhookVerificationError(
      'webhook_signature_invalid',
      'No webhook-signature matches the body under the given secret(s)',
    );
  }
  const payload = parse<T>(body);
  if (!replayGuard) {
    const done = () => Promise.resolve();
    return {
      id,
      timestamp: new Date(timestamp * 1000),
      payload,
      markProcessed: done,
      release: done,
    };
  }
  const claim = await replayGuard.claim(id, leaseMs);
  if (claim.status === 'processed') {
    throw new WebhookVerificationError(
      'webhook_replayed',
      `webhook-id ${id} was already processed`,
    );
  }
  if (claim.status === 'processing') {
    throw new WebhookVerificationError(
      'webhook_in_progress',
      `webhook-id ${id} is being processed by another request`,
    );
  }
  let settled = false;
  const settle = async (action: () => void | Promise<void>) => {
    if (settled) return;
    settled = true;
    await action();
  };
  return {
    id,
    timestamp: new Date(timestamp * 1000),
    payload,
    // Processed ids are remembered as long as a captured request stays within the tolerance.
    markProcessed: () => settle(() => replayGuard.complete(id, claim.token, toleranceSec * 2_000)),
    release: () => settle(() => replayGuard.release(id, claim.token)),
  };
}

function header(headers: WebhookRequestHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return typeof value === 'string' ? value : value?.[0];
}

function parse<T>(body: string): T {
  if (body === '') return undefined as T;
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new WebhookVerificationError('webhook_payload_invalid', 'The signed body is not JSON');
  }
}
