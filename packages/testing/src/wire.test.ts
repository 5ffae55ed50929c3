import { describe, expect, it } from 'vitest';
import { TEST_WIRE_VARIABLE, testWire } from './wire.js';

describe('testWire', () => {
  it('reads sdk or fast from MISTRAL_FLOWS_TEST_WIRE, sdk when it is unset or empty', () => {
    expect(testWire({})).toBe('sdk');
    expect(testWire({ [TEST_WIRE_VARIABLE]: '' })).toBe('sdk');
    expect(testWire({ [TEST_WIRE_VARIABLE]: 'sdk' })).toBe('sdk');
    expect(testWire({ [TEST_WIRE_VARIABLE]: 'fast' })).toBe('fast');
  });

  it('refuses any other value, naming the variable', () => {
    expect(() => testWire({ [TEST_WIRE_VARIABLE]: 'Fast' })).toThrow(
      'MISTRAL_FLOWS_TEST_WIRE must be "sdk" or "fast" (or unset), got "Fast"',
    );
  });
});
