import { describe, expect, it } from 'vitest';
import { chooseToolCalls, describedTool, namedTools } from './choose-tool-calls.js';
import type { FunctionToolSpec, ModelMessage, ModelRequest } from './model-request.js';

const tools: FunctionToolSpec[] = [
  { name: 'get_weather', description: 'Get the current weather for a city' },
  { name: 'send_email', description: 'Send an email message to a recipient' },
  { name: 'convertCurrency', description: 'Convert an amount between currencies' },
];

function request(messages: ModelMessage[], extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: 'm',
    messages,
    tools,
    toolChoice: 'auto',
    parallelToolCalls: true,
    stop: [],
    n: 1,
    responseFormat: { type: 'text' },
    ...extra,
  };
}

const names = (r: ModelRequest) => chooseToolCalls(r).map((c) => c.tool.name);

describe('chooseToolCalls', () => {
  it('calls the tools a user message names, in the order it names them', () => {
    expect(
      names(
        request([{ role: 'user', content: 'send email then... no: get weather and send_email' }]),
      ),
    ).toEqual(['send_email']);
    expect(names(request([{ role: 'user', content: 'get_weather and convert currency' }]))).toEqual(
      ['get_weather', 'convertCurrency'],
    );
  });

  it('calls one at a time when the prompt orders steps or parallel calls are off', () => {
    const msg: ModelMessage = { role: 'user', content: 'get_weather, then send_email' };
    expect(names(request([msg]))).toEqual(['get_weather']);
    expect(
      names(
        request([{ role: 'user', content: 'get_weather and send_email' }], {
          parallelToolCalls: false,
        }),
      ),
    ).toEqual(['get_weather']);
    const after: ModelMessage[] = [
      msg,
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: '1', name: 'get_weather', arguments: '{}' }],
      },
      { role: 'tool', content: 'sunny', toolCallId: '1' },
    ];
    expect(names(request(after))).toEqual(['send_email']);
  });

  it('answers (no call) after tool results once every named tool ran', () => {
    const messages: ModelMessage[] = [
      { role: 'user', content: 'use get_weather' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: '1', name: 'get_weather', arguments: '{}' }],
      },
      { role: 'tool', content: 'sunny', toolCallId: '1' },
    ];
    expect(names(request(messages))).toEqual([]);
  });

  it('follows none, any, required and a named function', () => {
    const plain: ModelMessage[] = [{ role: 'user', content: 'hello there' }];
    expect(
      names(request([{ role: 'user', content: 'get_weather' }], { toolChoice: 'none' })),
    ).toEqual([]);
    expect(names(request(plain))).toEqual([]);
    expect(names(request(plain, { toolChoice: 'any' }))).toEqual(['get_weather']);
    expect(names(request(plain, { toolChoice: 'required' }))).toEqual(['get_weather']);
    expect(names(request(plain, { toolChoice: { name: 'send_email' } }))).toEqual(['send_email']);
  });
});

describe('namedTools', () => {
  it('recognises snake_case and camelCase names written as words', () => {
    expect(namedTools(tools, 'please Convert Currency for me').map((n) => n.tool.name)).toEqual([
      'convertCurrency',
    ]);
    expect(namedTools(tools, 'get_weathers')).toEqual([]);
  });
});

describe('describedTool', () => {
  it('finds the tool whose name words or description the prompt asks for', () => {
    expect(describedTool(tools, 'How is the weather in Oslo?')?.name).toBe('get_weather');
    expect(describedTool(tools, 'Please email a message to my recipient Bob')?.name).toBe(
      'send_email',
    );
    expect(describedTool(tools, 'Tell me a joke')).toBeUndefined();
  });
});
