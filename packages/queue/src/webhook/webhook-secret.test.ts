import { redactString } from '@mistral-flows/core';
import { describe, expect, it } from 'vitest';
import { WebhookSecretError } from '../errors/webhook-secret-error.js';
import { generateWebhookSecret, webhookKeys } from './webhook-secret.js';

describe('webhookKeys', () => {
  it('decodes whsec_ secrets, with or without the prefix', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const [withPrefix] = webhookKeys(secret);
    const [without] = webhookKeys(secret.slice('whsec_'.length));
    expect(withPrefix).toHaveLength(32);
    expect(without!.equals(withPrefix!)).toBe(true);
  });

  it('returns one key per secret of a rotation, newest first', () => {
    const keys = webhookKeys([generateWebhookSecret(), generateWebhookSecret()]);
    expect(keys).toHaveLength(2);
    expect(keys[0]!.equals(keys[1]!)).toBe(false);
  });

  it('throws webhook_secret_missing for no secret, an empty one or an empty list', () => {
    for (const secret of [undefined, '', '  ', []]) {
      const error = catchError(() => webhookKeys(secret));
      expect(WebhookSecretError.isInstance(error)).toBe(true);
      expect((error as WebhookSecretError).code).toBe('webhook_secret_missing');
    }
  });

  it('throws webhook_secret_invalid for non-base64 or too short keys', () => {
    for (const secret of ['whsec_not base64!', `whsec_${Buffer.alloc(8).toString('base64')}`]) {
      const error = catchError(() => webhookKeys(secret));
      expect((error as WebhookSecretError).code).toBe('webhook_secret_invalid');
    }
  });

  it('registers secrets so that redact removes them', () => {
    const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    webhookKeys(secret);
    const encoded = secret.slice('whsec_'.length);
    expect(redactString(`key is ${encoded}`)).not.toContain(encoded);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
