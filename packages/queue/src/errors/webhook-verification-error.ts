import { MistralFlowsError } from '@mistral-flows/core';
import { brand, hasBrand } from '../internal/brand.js';

export type WebhookVerificationErrorCode =
  | 'webhook_headers_missing'
  | 'webhook_timestamp_invalid'
  | 'webhook_timestamp_too_old'
  | 'webhook_timestamp_too_new'
  | 'webhook_signature_invalid'
  | 'webhook_replayed'
  /** Authentic, but the body is not JSON. */
  | 'webhook_payload_invalid';

/** `verifyWebhook` refused a request: answer it with 400 (or 401) and do not act on it. */
export class WebhookVerificationError extends MistralFlowsError<WebhookVerificationErrorCode> {
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(code, message);
    brand(this, 'webhook-verification');
    this.name = 'WebhookVerificationError';
  }

  static override isInstance(error: unknown): error is WebhookVerificationError {
    return hasBrand(error, 'webhook-verification');
  }
}
