import { brandError, hasErrorBrand, MistralFlowsError } from '@mistral-flows/core';

/**
 * Redis did not answer within the configured time (`redisTimeoutMs`): refused, unreachable, or
 * gone. `address` is `host:port` (or a socket path), never a password.
 */
export class RedisUnavailableError extends MistralFlowsError<'redis_unavailable'> {
  readonly address: string;
  readonly timeoutMs: number;

  constructor(options: { address: string; timeoutMs: number; message: string; cause?: unknown }) {
    super(
      'redis_unavailable',
      options.message,
      options.cause === undefined ? {} : { cause: options.cause },
    );
    brandError(this, 'redis-unavailable');
    this.name = 'RedisUnavailableError';
    this.address = options.address;
    this.timeoutMs = options.timeoutMs;
  }

  static override isInstance(error: unknown): error is RedisUnavailableError {
    return hasErrorBrand(error, 'redis-unavailable');
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), address: this.address, timeoutMs: this.timeoutMs };
  }
}
