import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

export type WebhookVerificationErrorCode =
  | 'webhook_headers_missing'
  | 'webhook_timestamp_invalid'
  | 'webhook_timestamp_too_old'
  | 'webhook_timestamp_too_new'
  | 'webhook_signature_invalid'
  /** The `webhook-id` was processed before: acknowledge the request (2xx) without acting on it. */
  | 'webhook_replayed'
  /**
   * Another request with the `webhook-id` is being processed: answer with a non-2xx status (409)
   * so that the sender retries later.
   */
  | 'webhook_in_progress'
  /** Authentic, but the body is not JSON. */
  | 'webhook_payload_invalid';

/**
 * `verifyWebhook` refused a request: do not act on it. Answer 400 (or 401), except for
 * `webhook_replayed` (2xx: the event was processed) and `webhook_in_progress` (409: the sender
 * retries later).
 */
export class WebhookVerificationError extends MistralFlowsError<WebhookVerificationErrorCode> {
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(code, message);
    brandError(this, 'webhook-verification');
    this.name = 'WebhookVerificationError';
  }

  static override isInstance(error: unknown): error is WebhookVerificationError {
    return hasErrorBrand(error, 'webhook-verification');
  }
}
