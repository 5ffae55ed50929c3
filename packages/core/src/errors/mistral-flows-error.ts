import { brand, hasBrand } from './brand.js';
export interface MistralFlowsErrorOptions {
  cause?: unknown;
}

/**
 * The base of every error the mistral-flows packages throw. `code` is typed per subclass, and
 * `cause` keeps the original error (already redacted when it may carry secrets).
 *
 * Use `MistralFlowsError.isInstance(err)` rather than `instanceof`: it also recognises errors
 * created by another copy of this package in the same process.
 */
export class MistralFlowsError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options: MistralFlowsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    brand(this, 'base');
    this.name = 'MistralFlowsError';
    this.code = code;
  }

  static isInstance(error: unknown): error is MistralFlowsError {
    return hasBrand(error, 'base');
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}
