import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { ConfigError } from './config-error.js';
import { InvalidArgumentError } from './invalid-argument-error.js';
import { MistralFlowsError } from './mistral-flows-error.js';
import { StoreConflictError } from './store-conflict-error.js';

describe('MistralFlowsError', () => {
  it('carries a typed code and the cause', () => {
    const cause = new Error('inner');
    const error = new MistralFlowsError('something', 'went wrong', { cause });
    expect(error.code).toBe('something');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'MistralFlowsError',
      code: 'something',
      message: 'went wrong',
    });
  });

  it('recognises subclasses with isInstance and tells them apart', () => {
    const invalid = new InvalidArgumentError('concurrency', 'must be >= 1');
    expect(MistralFlowsError.isInstance(invalid)).toBe(true);
    expect(InvalidArgumentError.isInstance(invalid)).toBe(true);
    expect(ApiError.isInstance(invalid)).toBe(false);
    expect(ConfigError.isInstance(new ConfigError('config_missing', 'x'))).toBe(true);
    expect(StoreConflictError.isInstance(new StoreConflictError('k', 1, 2))).toBe(true);
    expect(MistralFlowsError.isInstance(new Error('plain'))).toBe(false);
    expect(MistralFlowsError.isInstance(null)).toBe(false);
  });

  it('recognises an error built by another copy of the package (same registered brand)', () => {
    const foreign = new Error('from elsewhere');
    Object.defineProperty(foreign, Symbol.for('mistral-flows.error.base'), { value: true });
    Object.defineProperty(foreign, Symbol.for('mistral-flows.error.invalid-argument'), {
      value: true,
    });
    expect(MistralFlowsError.isInstance(foreign)).toBe(true);
    expect(InvalidArgumentError.isInstance(foreign)).toBe(true);
  });

  it('names the argument of an InvalidArgumentError', () => {
    const error = new InvalidArgumentError('key', 'a store key must not be empty');
    expect(error.argument).toBe('key');
    expect(error.message).toBe('Invalid key: a store key must not be empty');
    expect(error.code).toBe('invalid_argument');
  });
});
