import { describe, expect, it } from 'vitest';
import type { ModelRequest } from './model-request.js';
import { runScriptedModel } from './scripted-model.js';

function request(content: string, extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: 'm',
    messages: [{ role: 'user', content }],
    tools: [],
    toolChoice: 'auto',
    parallelToolCalls: true,
    stop: [],
    n: 1,
    responseFormat: { type: 'text' },
    ...extra,
  };
}

describe('runScriptedModel', () => {
  it('is deterministic for a seed and input, and varies with the seed', () => {
    const a = runScriptedModel(request('Tell me about comets'), { seed: 1 });
    const b = runScriptedModel(request('Tell me about comets'), { seed: 1 });
    const c = runScriptedModel(request('Tell me about comets'), { seed: 2 });
    expect(a).toEqual(b);
    expect(a.choices[0]!.content).not.toBe(c.choices[0]!.content);
    expect(a.choices[0]!.content).toContain('comets');
  });

  it('writes 20 to 60 tokens by default and counts usage from the pieces', () => {
    for (let seed = 0; seed < 30; seed++) {
      const turn = runScriptedModel(request('Explain the water cycle and evaporation'), { seed });
      const pieces = turn.choices[0]!.pieces;
      expect(pieces.length).toBeGreaterThanOrEqual(20);
      expect(pieces.length).toBeLessThanOrEqual(60);
      expect(pieces.join('')).toBe(turn.choices[0]!.content);
      expect(turn.usage.completion_tokens).toBe(pieces.length);
      expect(turn.usage.total_tokens).toBe(turn.usage.prompt_tokens + pieces.length);
    }
  });

  it('honours max_tokens (length) and stop (cut before)', () => {
    const limited = runScriptedModel(request('Explain gravity', { maxTokens: 3 }));
    expect(limited.choices[0]!.pieces).toHaveLength(3);
    expect(limited.choices[0]!.finishReason).toBe('length');
    const full = runScriptedModel(request('Explain gravity')).choices[0]!.content;
    const stopped = runScriptedModel(request('Explain gravity', { stop: ['gravity'] })).choices[0]!;
    expect(stopped.content).toBe(full.slice(0, full.indexOf('gravity')));
    expect(stopped.finishReason).toBe('stop');
  });

  it('gives n different choices', () => {
    const turn = runScriptedModel(request('Suggest names for a cat', { n: 3 }));
    expect(turn.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(turn.choices.map((c) => c.content)).size).toBe(3);
  });

  it('uses an exact reply and synthesises tool arguments from the schema', () => {
    expect(
      runScriptedModel(request('x'), { reply: { text: 'Exactly this.' } }).choices[0]!.content,
    ).toBe('Exactly this.');
    const turn = runScriptedModel(
      request('lookup "INV-9"', {
        tools: [
          {
            name: 'lookup',
            parameters: {
              type: 'object',
              properties: { id: { type: 'string' } },
              required: ['id'],
            },
          },
        ],
      }),
    );
    const choice = turn.choices[0]!;
    expect(choice.finishReason).toBe('tool_calls');
    expect(JSON.parse(choice.toolCalls[0]!.arguments)).toEqual({ id: 'INV-9' });
    expect(turn.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('returns valid JSON for json_object and json_schema formats', () => {
    const obj = runScriptedModel(
      request('Facts about owls', { responseFormat: { type: 'json_object' } }),
    );
    expect(JSON.parse(obj.choices[0]!.content)).toMatchObject({ topics: ['Facts', 'owls'] });
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, legs: { type: 'integer' } },
      required: ['name', 'legs'],
    };
    const typed = runScriptedModel(
      request('An owl called "Hoot" with 2 legs', {
        responseFormat: { type: 'json_schema', schema },
      }),
    );
    expect(JSON.parse(typed.choices[0]!.content)).toEqual({ name: 'Hoot', legs: 2 });
  });
});
