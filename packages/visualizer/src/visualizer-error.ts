/** Why the visualizer refused to start. */
export type VisualizerErrorCode = 'non_loopback_host' | 'invalid_option' | 'listen_failed';

const BRAND = Symbol.for('mistral-flows.error.visualizer');

/** An error from `createVisualizer`, with a typed `code` and the original `cause`. */
export class VisualizerError extends Error {
  readonly code: VisualizerErrorCode;

  constructor(code: VisualizerErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'VisualizerError';
    this.code = code;
  }

  /** Like `instanceof`, but also true for errors from another copy of this package. */
  static isInstance(error: unknown): error is VisualizerError {
    return typeof error === 'object' && error !== null && BRAND in error;
  }
}
