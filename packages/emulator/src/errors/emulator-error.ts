export interface EmulatorErrorOptions {
  cause?: unknown;
}

const brandKey = Symbol.for('mistral-flows.emulator.error');

/**
 * The base of the errors the emulator throws to its callers (bad options, an unreadable scenario
 * file). `code` is typed per subclass; `isInstance` also recognises errors from another copy of the
 * package loaded in the same process.
 */
export class EmulatorError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options: EmulatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, brandKey, { value: true });
    this.name = 'EmulatorError';
    this.code = code;
  }

  static isInstance(error: unknown): error is EmulatorError {
    return typeof error === 'object' && error !== null && brandKey in error;
  }
}
