import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

export type WebhookDeliveryErrorCode =
  /** The receiver answered with a status other than 2xx (and other than 410). */
  | 'webhook_rejected'
  /** The receiver answered 410 Gone: the endpoint is disabled, no more deliveries go to it. */
  | 'webhook_gone'
  /** No answer within the delivery timeout. */
  | 'webhook_timeout'
  /** The connection failed (refused, reset, DNS). */
  | 'webhook_network'
  /** The URL resolved to an address the callback policy refuses, or the endpoint is disabled. */
  | 'webhook_forbidden';

/** One delivery attempt that did not succeed. `status` is the receiver's answer, if any. */
export class WebhookDeliveryError extends MistralFlowsError<WebhookDeliveryErrorCode> {
  readonly status: number | undefined;

  constructor(
    code: WebhookDeliveryErrorCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause });
    brandError(this, 'webhook-delivery');
    this.name = 'WebhookDeliveryError';
    this.status = options.status;
  }

  /** True when sending the same request later may succeed. */
  get retryable(): boolean {
    return (
      this.code === 'webhook_rejected' ||
      this.code === 'webhook_timeout' ||
      this.code === 'webhook_network'
    );
  }

  static override isInstance(error: unknown): error is WebhookDeliveryError {
    return hasErrorBrand(error, 'webhook-delivery');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status };
  }
}
