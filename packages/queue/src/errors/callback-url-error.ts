import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

export type CallbackUrlErrorCode =
  /** Not a URL, or not http(s) (`file:`, `ftp:`, `javascript:` ...). */
  | 'callback_url_invalid'
  /** A private, loopback, link-local or otherwise internal address not listed in `allowHosts`. */
  | 'callback_url_forbidden'
  /** The endpoint answered 410 Gone earlier and was disabled. */
  | 'callback_url_disabled';

/** A callback URL that webhooks must not be sent to. `host` names it (never the path or query). */
export class CallbackUrlError extends MistralFlowsError<CallbackUrlErrorCode> {
  readonly host: string | undefined;

  constructor(code: CallbackUrlErrorCode, message: string, host?: string) {
    super(code, message);
    brandError(this, 'callback-url');
    this.name = 'CallbackUrlError';
    this.host = host;
  }

  static override isInstance(error: unknown): error is CallbackUrlError {
    return hasErrorBrand(error, 'callback-url');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), host: this.host };
  }
}
