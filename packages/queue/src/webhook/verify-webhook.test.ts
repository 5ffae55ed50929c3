import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from '../errors/webhook-verification-error.js';
import { memoryReplayGuard, type ReplayGuard } from './replay-guard.js';
import { signWebhook } from './sign-webhook.js';
import { verifyWebhook } from './verify-webhook.js';
import { generateWebhookSecret } from './webhook-secret.js';

const body = JSON.stringify({ type: 'batch.job.running', timestamp: 'x', data: { id: 'b1' } });
const NOW = 1_800_000_000_000;
const nowSec = NOW / 1000;
const now = () => NOW;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(WebhookVerificationError.isInstance(error)).toBe(true);
    return (error as WebhookVerificationError).code;
  }
  throw new Error('expected verifyWebhook to reject');
}

describe('verifyWebhook', () => {
  const secret = generateWebhookSecret();

  it('accepts a request signed by the standardwebhooks package and returns the parsed body', async () => {
    const signature = new Webhook(secret).sign('msg_ref', new Date(NOW), body);
    const headers = {
      'webhook-id': 'msg_ref',
      'webhook-timestamp': String(nowSec),
      'webhook-signature': signature,
    };
    const verified = await verifyWebhook(body, headers, secret, { now });
    expect(verified).toMatchObject({
      id: 'msg_ref',
      timestamp: new Date(NOW),
      payload: JSON.parse(body),
    });
  });

  it('reads fetch Headers and Buffer bodies', async () => {
    const headers = new Headers({ ...signWebhook(secret, 'msg_h', body, nowSec) });
    const verified = await verifyWebhook(Buffer.from(body), headers, secret, { now });
    expect(verified.id).toBe('msg_h');
  });

  it('rejects a tampered body', async () => {
    const headers = signWebhook(secret, 'msg_t', body, nowSec);
    const tampered = body.replace('b1', 'b2');
    expect(await codeOf(verifyWebhook(tampered, { ...headers }, secret, { now }))).toBe(
      'webhook_signature_invalid',
    );
  });

  it('rejects a stale timestamp, and one too far in the future', async () => {
    const old = signWebhook(secret, 'msg_o', body, nowSec - 301);
    expect(await codeOf(verifyWebhook(body, { ...old }, secret, { now }))).toBe(
      'webhook_timestamp_too_old',
    );
    const future = signWebhook(secret, 'msg_f', body, nowSec + 301);
    expect(await codeOf(verifyWebhook(body, { ...future }, secret, { now }))).toBe(
      'webhook_timestamp_too_new',
    );
    const within = signWebhook(secret, 'msg_w', body, nowSec - 299);
    await expect(verifyWebhook(body, { ...within }, secret, { now })).resolves.toBeTruthy();
  });

  it('honours toleranceSec', async () => {
    const headers = signWebhook(secret, 'msg_tol', body, nowSec - 30);
    expect(
      await codeOf(verifyWebhook(body, { ...headers }, secret, { now, toleranceSec: 10 })),
    ).toBe('webhook_timestamp_too_old');
  });

  it('rejects another secret, and accepts any secret of a rotation', async () => {
    const other = generateWebhookSecret();
    const headers = signWebhook(secret, 'msg_s', body, nowSec);
    expect(await codeOf(verifyWebhook(body, { ...headers }, other, { now }))).toBe(
      'webhook_signature_invalid',
    );
    await expect(
      verifyWebhook(body, { ...headers }, [other, secret], { now }),
    ).resolves.toBeTruthy();
  });

  it('accepts a header with several signatures when one matches, and ignores other versions', async () => {
    const good = signWebhook(secret, 'msg_m', body, nowSec)['webhook-signature'];
    const headers = {
      'webhook-id': 'msg_m',
      'webhook-timestamp': String(nowSec),
      'webhook-signature': `v2,abc v1,${Buffer.alloc(32).toString('base64')} ${good}`,
    };
    await expect(verifyWebhook(body, headers, secret, { now })).resolves.toBeTruthy();
    const onlyV2 = { ...headers, 'webhook-signature': good.replace('v1,', 'v2,') };
    expect(await codeOf(verifyWebhook(body, onlyV2, secret, { now }))).toBe(
      'webhook_signature_invalid',
    );
  });

  it('rejects missing headers and a non-numeric timestamp', async () => {
    const headers = signWebhook(secret, 'msg_x', body, nowSec);
    const { 'webhook-signature': _s, ...unsigned } = headers;
    expect(await codeOf(verifyWebhook(body, unsigned, secret, { now }))).toBe(
      'webhook_headers_missing',
    );
    expect(
      await codeOf(
        verifyWebhook(body, { ...headers, 'webhook-timestamp': '12e3' }, secret, { now }),
      ),
    ).toBe('webhook_timestamp_invalid');
  });

  describe('with a replay guard', () => {
    /** A request for `id` signed at `at` (ms), verified with the clock at `at`. */
    const deliver = (id: string, at: number, replayGuard: ReplayGuard, leaseMs?: number) =>
      verifyWebhook(body, { ...signWebhook(secret, id, body, Math.floor(at / 1000)) }, secret, {
        now: () => at,
        replayGuard,
        ...(leaseMs !== undefined ? { leaseMs } : {}),
      });

    it('refuses an id once it was marked processed, as a replay', async () => {
      const replayGuard = memoryReplayGuard(now);
      const webhook = await deliver('msg_r', NOW, replayGuard);
      await webhook.markProcessed();
      expect(await codeOf(deliver('msg_r', NOW, replayGuard))).toBe('webhook_replayed');
    });

    it('accepts the retry of an event whose processing failed and was released', async () => {
      const replayGuard = memoryReplayGuard(now);
      const first = await deliver('msg_retry', NOW, replayGuard);
      await first.release(); // the receiver's handler threw: it answers 500
      const retry = await deliver('msg_retry', NOW + 5_000, replayGuard);
      expect(retry.id).toBe('msg_retry');
      await retry.markProcessed();
      await first.release(); // a late second release does not undo the processed mark
      expect(await codeOf(deliver('msg_retry', NOW + 6_000, replayGuard))).toBe('webhook_replayed');
    });

    it('accepts a retry once the claim of a receiver that never finished has expired', async () => {
      let clock = NOW;
      const replayGuard = memoryReplayGuard(() => clock);
      await deliver('msg_crash', clock, replayGuard, 30_000); // the receiver died while processing
      clock += 5_000;
      expect(await codeOf(deliver('msg_crash', clock, replayGuard, 30_000))).toBe(
        'webhook_in_progress',
      );
      clock = NOW + 30_001;
      await expect(deliver('msg_crash', clock, replayGuard, 30_000)).resolves.toMatchObject({
        id: 'msg_crash',
      });
    });

    it('refuses a concurrent duplicate while the first is processed, and accepts it after a release', async () => {
      const replayGuard = memoryReplayGuard(now);
      const first = await deliver('msg_dup', NOW, replayGuard);
      expect(await codeOf(deliver('msg_dup', NOW, replayGuard))).toBe('webhook_in_progress');
      await first.release();
      await expect(deliver('msg_dup', NOW, replayGuard)).resolves.toMatchObject({ id: 'msg_dup' });
    });

    it('does not hold an id for a request whose body is not JSON', async () => {
      const replayGuard = memoryReplayGuard(now);
      const text = 'not json';
      const headers = { ...signWebhook(secret, 'msg_text', text, nowSec) };
      expect(await codeOf(verifyWebhook(text, headers, secret, { now, replayGuard }))).toBe(
        'webhook_payload_invalid',
      );
      expect(replayGuard.claim('msg_text', 1_000)).toMatchObject({ status: 'claimed' });
    });
  });

  it('without a replay guard, markProcessed and release do nothing', async () => {
    const headers = signWebhook(secret, 'msg_none', body, nowSec);
    const webhook = await verifyWebhook(body, { ...headers }, secret, { now });
    await webhook.markProcessed();
    await webhook.release();
    await expect(verifyWebhook(body, { ...headers }, secret, { now })).resolves.toBeTruthy();
  });

  it('does not let a forged request use up an id in the replay guard', async () => {
    const replayGuard = memoryReplayGuard(now);
    const headers = signWebhook(secret, 'msg_forged', body, nowSec);
    await codeOf(verifyWebhook(`${body}x`, { ...headers }, secret, { now, replayGuard }));
    await expect(
      verifyWebhook(body, { ...headers }, secret, { now, replayGuard }),
    ).resolves.toBeTruthy();
  });
});
