import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentsError } from '../errors.js';
import { defineTool, indexTools } from './define-tool.js';
import { runToolCall } from './run-tool-call.js';

const add = defineTool({
  name: 'add',
  description: 'Add two integers',
  parameters: z.object({
    a: z.number().int().describe('first'),
    b: z.number().int(),
    unit: z.enum(['m', 'km']).optional(),
  }),
  execute: ({ a, b }) => a + b,
});
const tools = indexTools([add]);
const call = (rawArguments: string, name = 'add') =>
  runToolCall(tools, { id: 'c1', name, rawArguments }, { conversationId: 'x' });

describe('defineTool', () => {
  it('derives the API schema from the zod schema, without $schema or safe-integer noise', () => {
    expect(add.toApiTool()).toEqual({
      type: 'function',
      function: {
        name: 'add',
        description: 'Add two integers',
        parameters: {
          type: 'object',
          properties: {
            a: { type: 'integer', description: 'first' },
            b: { type: 'integer' },
            unit: { type: 'string', enum: ['m', 'km'] },
          },
          required: ['a', 'b'],
        },
      },
    });
  });

  it('rejects bad names, missing descriptions and timeouts with a typed error', () => {
    const base = { description: 'd', parameters: z.object({}), execute: () => 1 };
    for (const name of ['has space', 'x'.repeat(65), '']) {
      expect(() => defineTool({ ...base, name })).toThrow(AgentsError);
    }
    expect(() => defineTool({ ...base, name: 'ok', description: ' ' })).toThrow(/description/);
    expect(() => defineTool({ ...base, name: 'ok', timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => defineTool({ ...base, name: 'ok', parameters: {} as z.ZodObject })).toThrow(
      /zod schema/,
    );
  });

  it('evaluates needsApproval from the arguments', () => {
    const t = defineTool({
      name: 'pay',
      description: 'Pay',
      parameters: z.object({ amount: z.number() }),
      needsApproval: ({ amount }) => amount > 100,
      execute: () => 'paid',
    });
    expect(t.needsApproval({ amount: 50 })).toBe(false);
    expect(t.needsApproval({ amount: 500 })).toBe(true);
  });
});

describe('runToolCall', () => {
  it('returns the result, JSON-encoded when it is not a string', async () => {
    expect(await call('{"a":2,"b":3}')).toMatchObject({
      ok: true,
      content: '5',
      callId: 'c1',
      name: 'add',
    });
  });

  it('names invalid JSON, failed validation and unknown tools in the message for the model', async () => {
    expect(await call('{"a":2,')).toMatchObject({
      ok: false,
      failure: 'invalid_arguments',
      content: expect.stringContaining('not valid JSON'),
    });
    const invalid = await call('{"a":"two","b":3}');
    expect(invalid).toMatchObject({ ok: false, failure: 'invalid_arguments' });
    expect(invalid.content).toMatch(/invalid arguments for "add": a: /);
    expect(await call('{}', 'sub')).toMatchObject({
      failure: 'unknown_tool',
      content: expect.stringContaining('Available tools: add'),
    });
  });

  it('treats empty arguments as an empty object', async () => {
    const ping = defineTool({
      name: 'ping',
      description: 'Ping',
      parameters: z.object({}),
      execute: () => 'pong',
    });
    expect(
      await runToolCall(
        indexTools([ping]),
        { id: 'p', name: 'ping', rawArguments: '' },
        { conversationId: 'x' },
      ),
    ).toMatchObject({ ok: true, content: 'pong' });
  });

  it('aborts a tool at its timeout and reports it; a tool may return the string "timeout"', async () => {
    let aborted = false;
    const slow = defineTool({
      name: 'slow',
      description: 'Slow',
      parameters: z.object({}),
      timeoutMs: 10,
      execute: (_args, { signal }) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve('late');
          }),
        ),
    });
    const literal = defineTool({
      name: 'literal',
      description: 'Says timeout',
      parameters: z.object({}),
      execute: () => 'timeout',
    });
    const map = indexTools([slow, literal]);
    expect(
      await runToolCall(
        map,
        { id: 's', name: 'slow', rawArguments: '{}' },
        { conversationId: 'x' },
      ),
    ).toMatchObject({ ok: false, failure: 'timeout' });
    expect(aborted).toBe(true);
    expect(
      await runToolCall(
        map,
        { id: 'l', name: 'literal', rawArguments: '{}' },
        { conversationId: 'x' },
      ),
    ).toMatchObject({ ok: true, content: 'timeout' });
  });

  it('refuses two tools with one name', () => {
    expect(() => indexTools([add, add])).toThrow(
      expect.objectContaining({ code: 'tool_duplicate' }) as Error,
    );
  });
});
