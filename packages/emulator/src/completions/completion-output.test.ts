import { describe, expect, it } from 'vitest';
import type { ModelTurn } from '../model/scripted-model.js';
import { completionBody, completionFrames } from './completion-output.js';

const meta = { id: 'cmpl-1', model: 'm', created: 1750000000 };
const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

describe('completionFrames', () => {
  it('follows the documented chunk pattern and ends with [DONE]', () => {
    const turn: ModelTurn = {
      choices: [
        {
          index: 0,
          content: 'Hi there',
          pieces: ['Hi', ' there'],
          toolCalls: [],
          finishReason: 'stop',
        },
      ],
      usage,
    };
    const { frames, bodyFrames, delays } = completionFrames(meta, turn, {
      ttftMs: 100,
      tokenMs: 10,
    });
    expect(frames[frames.length - 1]).toBe('data: [DONE]\n\n');
    const chunks = frames
      .slice(0, -1)
      .map((f) => JSON.parse(f.slice(6)) as Record<string, unknown>);
    expect(chunks.map((c) => (c.choices as { delta: unknown }[])[0]!.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'Hi' },
      { content: ' there' },
      { content: '' },
    ]);
    expect(
      chunks.map((c) => (c.choices as { finish_reason: unknown }[])[0]!.finish_reason),
    ).toEqual([null, null, null, 'stop']);
    expect(chunks.map((c) => 'usage' in c)).toEqual([false, false, false, true]);
    expect(bodyFrames).toBe(3);
    expect(delays).toEqual([100, 0, 10, 0, 0]);
  });

  it('sends all tool calls whole in one delta', () => {
    const turn: ModelTurn = {
      choices: [
        {
          index: 0,
          content: '',
          pieces: [],
          toolCalls: [
            { id: 'a', name: 'f', arguments: '{}' },
            { id: 'b', name: 'g', arguments: '{"x":1}' },
          ],
          finishReason: 'tool_calls',
        },
      ],
      usage,
    };
    const { frames } = completionFrames(meta, turn);
    const delta = (
      JSON.parse(frames[1]!.slice(6)) as { choices: { delta: { tool_calls: unknown } }[] }
    ).choices[0]!.delta;
    expect(delta.tool_calls).toEqual([
      { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' }, index: 0 },
      { id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' }, index: 1 },
    ]);
    expect(completionBody(meta, turn)).toMatchObject({
      object: 'chat.completion',
      choices: [{ finish_reason: 'tool_calls' }],
    });
  });
});
