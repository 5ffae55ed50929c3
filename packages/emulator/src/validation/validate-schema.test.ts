import { describe, expect, it } from 'vitest';
import { requestSchemas } from './request-schemas.generated.js';
import { requestValidator } from './request-validators.js';
import { validateRequest, type RequestSchemaName } from './validate-request.js';
import { validateSchema } from './validate-schema.js';

const valid = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('validateRequest', () => {
  it('accepts a valid chat request, with content chunks, tools and tool calls', () => {
    expect(
      validateRequest('ChatCompletionRequest', {
        ...valid,
        stream: true,
        stop: ['x'],
        tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
        tool_choice: { type: 'function', function: { name: 'f' } },
        response_format: {
          type: 'json_schema',
          json_schema: { name: 's', schema: { type: 'object' } },
        },
        messages: [
          { role: 'system', content: 'be nice' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'image_url', image_url: 'https://x/y.png' },
            ],
          },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' }, index: 0 },
            ],
            prefix: false,
          },
          { role: 'tool', content: 'r', tool_call_id: 'a', name: 'f' },
        ],
      }),
    ).toEqual([]);
  });

  it('reports missing, extra, wrongly typed and out-of-range fields like pydantic', () => {
    const issues = validateRequest('ChatCompletionRequest', {
      messages: [{ role: 'user', content: 'hi', name: 'x' }],
      max_tokens: 1.5,
      top_p: 0,
      tool_choice: 'sometimes',
      n: '2',
    });
    expect(issues.map((i) => [i.type, i.loc.join('.')])).toEqual([
      ['missing', 'body.model'],
      ['extra_forbidden', 'body.messages.0.user.name'],
      ['int_from_float', 'body.max_tokens'],
      ['greater_than', 'body.top_p'],
      ['enum', 'body.tool_choice'],
      ['int_type', 'body.n'],
    ]);
  });

  it('reports an unknown or missing union tag', () => {
    expect(
      validateRequest('ChatCompletionRequest', {
        ...valid,
        messages: [{ role: 'robot', content: '' }],
      })[0],
    ).toMatchObject({
      type: 'union_tag_invalid',
      msg: "Input tag 'robot' found using 'role' does not match any of the expected tags: 'assistant', 'system', 'tool', 'user'",
    });
    expect(
      validateRequest('ChatCompletionRequest', { ...valid, messages: [{ content: '' }] })[0],
    ).toMatchObject({
      type: 'union_tag_not_found',
    });
  });

  it('checks batch requests, agents and conversations too', () => {
    expect(
      validateRequest('CreateBatchJobRequest', {
        endpoint: '/v1/chat/completions',
        timeout_hours: 500,
      })[0],
    ).toMatchObject({
      type: 'less_than_equal',
      loc: ['body', 'timeout_hours'],
    });
    expect(
      validateRequest('CreateAgentRequest', { model: 'm', name: 'n', handoffs: [] })[0],
    ).toMatchObject({ type: 'too_short' });
    expect(
      validateRequest('ConversationRequestBase', { inputs: 'x', model: 'm', extra: 1 })[0],
    ).toMatchObject({
      type: 'extra_forbidden',
    });
    expect(validateRequest('AppendConversationRequest', 'text')[0]).toMatchObject({
      type: 'model_attributes_type',
    });
  });
});

describe('requestValidator (ajv)', () => {
  it('agrees with the pydantic-style description on which bodies are valid', () => {
    const cases: Array<[RequestSchemaName, unknown]> = [
      ['ChatCompletionRequest', valid],
      ['ChatCompletionRequest', { ...valid, messages: [{ role: 'robot', content: '' }] }],
      ['ChatCompletionRequest', { ...valid, messages: [{ content: '' }] }],
      [
        'ChatCompletionRequest',
        { ...valid, messages: [{ role: 'user', content: 'hi', name: 'x' }] },
      ],
      ['ChatCompletionRequest', { ...valid, max_tokens: 1.5 }],
      ['ChatCompletionRequest', { ...valid, tool_choice: 'sometimes' }],
      [
        'ChatCompletionRequest',
        { ...valid, messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }] }] },
      ],
      [
        'ChatCompletionRequest',
        { ...valid, messages: [{ role: 'user', content: [{ type: 'txt', text: 'a' }] }] },
      ],
      ['CreateBatchJobRequest', { endpoint: '/v1/chat/completions', timeout_hours: 500 }],
      ['CreateBatchJobRequest', { endpoint: '/v1/chat/completions', input_files: [] }],
      ['CreateAgentRequest', { model: 'm', name: 'n', handoffs: [] }],
      ['CreateAgentRequest', { model: 'm', name: 'n' }],
      ['ConversationRequestBase', { inputs: 'x', model: 'm', extra: 1 }],
      ['ConversationRequestBase', { inputs: [{ role: 'user', content: 'x' }], model: 'm' }],
    ];
    for (const [name, body] of cases) {
      const ajvValid = requestValidator(name)(body);
      const described = validateSchema({ $ref: name }, body, requestSchemas);
      expect([name, body, ajvValid]).toEqual([name, body, described.length === 0]);
    }
  });
});
