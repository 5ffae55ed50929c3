import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

/** No webhook secret where one is needed, or one that is not a usable `whsec_` secret. */
export class WebhookSecretError extends MistralFlowsError<
  'webhook_secret_missing' | 'webhook_secret_invalid'
> {
  constructor(code: 'webhook_secret_missing' | 'webhook_secret_invalid', message: string) {
    super(code, message);
    brandError(this, 'webhook-secret');
    this.name = 'WebhookSecretError';
  }

  static override isInstance(error: unknown): error is WebhookSecretError {
    return hasErrorBrand(error, 'webhook-secret');
  }
}
