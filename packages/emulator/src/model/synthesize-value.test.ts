import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../validation/schema-types.js';
import { readPrompt } from './prompt-facts.js';
import { synthesizeValue } from './synthesize-value.js';

function synth(schema: JsonSchema, prompt: string, includeOptional = false): unknown {
  const facts = readPrompt(prompt);
  return synthesizeValue(schema, {
    facts,
    quotes: facts.quoted.map((q) => q.value),
    numbers: facts.numbers.map((n) => n.value),
    includeOptional,
    root: schema,
  });
}

describe('synthesizeValue', () => {
  it('fills required properties with the right types, quoted strings first', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        count: { type: 'integer', minimum: 1, maximum: 5 },
        exact: { type: 'boolean' },
        note: { type: 'string' },
      },
      required: ['city', 'count', 'exact'],
    };
    expect(synth(schema, 'Find "Porto" hotels, 3 of them')).toEqual({
      city: 'Porto',
      count: 3,
      exact: true,
    });
  });

  it('respects enums, bounds, formats and string lengths', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        level: { type: 'number', minimum: 10, maximum: 20 },
        when: { type: 'string', format: 'date-time' },
        code: { type: 'string', minLength: 5, maxLength: 5 },
      },
      required: ['unit', 'level', 'when', 'code'],
    };
    const value = synth(schema, 'in Fahrenheit please, level 99') as Record<string, unknown>;
    expect(value.unit).toBe('fahrenheit');
    expect(value.level).toBe(10);
    expect(Number.isNaN(Date.parse(value.when as string))).toBe(false);
    expect((value.code as string).length).toBe(5);
  });

  it('builds nested objects and arrays, taking every quoted string for a string list', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' } },
        owner: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        items: { type: 'array', minItems: 2, items: { $ref: '#/$defs/item' } },
      },
      required: ['tags', 'owner', 'items'],
      $defs: {
        item: { type: 'object', properties: { qty: { type: 'integer' } }, required: ['qty'] },
      },
    };
    expect(synth(schema, 'Tag it "red", "blue" and "green"')).toEqual({
      tags: ['red', 'blue', 'green'],
      owner: { name: 'Tag' },
      items: [{ qty: 1 }, { qty: 1 }],
    });
  });

  it('includes optional properties for structured outputs and picks the non-null branch of a union', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        a: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        b: { type: ['integer', 'null'] },
      },
    };
    expect(synth(schema, 'x "q"', true)).toEqual({ a: 'q', b: 1 });
    expect(synth(schema, 'x "q"', false)).toEqual({});
  });

  it('puts the prompt into text-like fields such as query', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: { query: { type: 'string' } },
      required: ['query'],
    };
    expect(synth(schema, 'best ramen in town')).toEqual({ query: 'best ramen in town' });
  });
});
