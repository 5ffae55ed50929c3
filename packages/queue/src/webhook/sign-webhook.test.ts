import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook } from './sign-webhook.js';
import { generateWebhookSecret } from './webhook-secret.js';

describe('signWebhook', () => {
  const body = JSON.stringify({ type: 'chat.job.completed', data: { jobId: 'a' } });

  it('produces headers the standardwebhooks package verifies', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(secret, 'msg_1', body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs "id.timestamp.body" as the specification\'s reference does', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(secret, 'msg_2', body, 1_700_000_000);
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toBe(
      new Webhook(secret).sign('msg_2', new Date(1_700_000_000_000), body),
    );
  });

  it('puts one v1 signature per secret, each verifiable with its own secret', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const headers = signWebhook([current, previous], 'msg_3', body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    for (const secret of [current, previous]) {
      expect(() => new Webhook(secret).verify(body, { ...headers })).not.toThrow();
    }
  });

  it('gives a signature that fails for another body', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook(secret, 'msg_4', body);
    expect(() => new Webhook(secret).verify(`${body} `, { ...headers })).toThrow();
  });
});
