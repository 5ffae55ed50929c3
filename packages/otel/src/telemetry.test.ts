import { InvalidArgumentError } from '@mistral-flows/core';
import { describe, expect, it } from 'vitest';
import { createTelemetry } from './telemetry.js';

describe('createTelemetry', () => {
  it('works with the global (no-op) providers and no options', () => {
    const telemetry = createTelemetry();
    expect(() =>
      telemetry.inspect({ type: '@xstate.snapshot', actorRef: {}, snapshot: undefined }),
    ).not.toThrow();
  });

  it.each([
    [{ captureContent: 'yes' }, 'captureContent'],
    [{ store: {} }, 'store'],
    [{ agentName: 'x' }, 'agentName'],
  ])('refuses bad options %j with InvalidArgumentError', (options, field) => {
    let error: unknown;
    try {
      createTelemetry(options as never);
    } catch (e) {
      error = e;
    }
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(field);
  });
});
