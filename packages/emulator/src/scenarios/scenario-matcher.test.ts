import { describe, expect, it } from 'vitest';
import { checkScenarios } from './scenario.js';
import { ScenarioMatcher, type ScenarioInput } from './scenario-matcher.js';

const input = (over: Partial<ScenarioInput> = {}): ScenarioInput => ({
  endpoint: 'chat',
  model: 'm',
  lastUserMessage: 'hello',
  step: 1,
  ...over,
});

describe('ScenarioMatcher', () => {
  it('returns the first rule whose every condition matches', () => {
    const matcher = new ScenarioMatcher([
      { match: { model: 'other' }, text: 'wrong model' },
      { match: { agent: 'Helper', step: 2 }, text: 'agent step 2' },
      { match: { lastUserMessage: '^order (\\d+)$' }, text: 'Order $1 found.' },
      { match: { endpoint: 'batch' }, text: 'batch' },
      { text: 'fallback' },
    ]);
    expect(matcher.match(input({ agentName: 'Helper', step: 2 }))).toEqual({
      kind: 'reply',
      reply: { text: 'agent step 2' },
    });
    expect(matcher.match(input({ agentId: 'ag_1', step: 2 }))).toEqual({
      kind: 'reply',
      reply: { text: 'fallback' },
    });
    expect(matcher.match(input({ lastUserMessage: 'ORDER 66' }))).toEqual({
      kind: 'reply',
      reply: { text: 'Order 66 found.' },
    });
    expect(matcher.match(input({ endpoint: 'batch' }))).toEqual({
      kind: 'reply',
      reply: { text: 'batch' },
    });
  });

  it('stops using a rule after `times` and starts again after reset', () => {
    const matcher = new ScenarioMatcher([{ fault: '500', times: 1 }]);
    expect(matcher.match(input())).toEqual({
      kind: 'fault',
      fault: { kind: 'status', status: 500 },
    });
    expect(matcher.match(input())).toBeUndefined();
    matcher.reset();
    expect(matcher.match(input())).toBeDefined();
  });

  it('builds error answers and tool calls', () => {
    const matcher = new ScenarioMatcher([
      { match: { step: 1 }, toolCalls: [{ name: 'f', arguments: { a: 1 } }] },
      { error: { status: 429, retryAfter: 3 } },
    ]);
    expect(matcher.match(input())).toEqual({
      kind: 'reply',
      reply: { toolCalls: [{ name: 'f', arguments: { a: 1 } }] },
    });
    expect(matcher.match(input({ step: 2 }))).toMatchObject({
      kind: 'error',
      status: 429,
      retryAfter: 3,
      body: { object: 'error' },
    });
  });
});

describe('checkScenarios', () => {
  it('accepts a bare array or { rules } and rejects ambiguous or invalid rules', () => {
    expect(checkScenarios({ rules: [{ text: 'x' }] })).toHaveLength(1);
    expect(() => checkScenarios([{ text: 'x', fault: '500' }])).toThrow(/exactly one/);
    expect(() => checkScenarios([{ fault: 'boom' }])).toThrow(/fault: is not a fault/);
    expect(() => checkScenarios([{ match: { lastUserMessage: '(' }, text: 'x' }])).toThrow(
      /not a valid regular expression/,
    );
    expect(() => checkScenarios([{ error: { status: 200 } }])).toThrow(/error\.status: Too small/);
  });
});
