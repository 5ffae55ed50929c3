import { describe, expect, it } from 'vitest';
import { bodySchemas, isSimpleChatBody, requestProblem } from './batch-request.js';

const chat = bodySchemas['/v1/chat/completions'];

/** Small random bodies around the simple shape, valid and not. */
function* bodies(): Generator<Record<string, unknown>> {
  const values: unknown[] = [
    'x',
    '',
    0,
    1,
    -1,
    0.5,
    2,
    1.5,
    true,
    null,
    [],
    {},
    ['a'],
    [{ role: 'user', content: 'hi' }],
  ];
  const keys = [
    'model',
    'messages',
    'max_tokens',
    'temperature',
    'top_p',
    'random_seed',
    'n',
    'stop',
    'safe_prompt',
    'presence_penalty',
    'frequency_penalty',
    'unknown_field',
  ];
  const messages: unknown[] = [
    { role: 'user', content: 'hi' },
    { role: 'system', content: 'be brief' },
    { role: 'assistant', content: '' },
    { role: 'tool', content: 'x' },
    { role: 'user', content: null },
    { role: 'user' },
    { role: 'user', content: 'hi', extra: 1 },
    { role: 'nobody', content: 'hi' },
    'not an object',
  ];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  for (let i = 0; i < 5_000; i++) {
    const body: Record<string, unknown> = {
      messages: Array.from({ length: Math.floor(random() * 3) }, () => pick(messages)),
    };
    for (let k = 0; k < 3; k++) if (random() < 0.5) body[pick(keys)] = pick(values);
    yield body;
  }
}

describe('isSimpleChatBody', () => {
  it('accepts only bodies the zod schema accepts', () => {
    let fast = 0;
    for (const body of bodies()) {
      if (isSimpleChatBody(body)) {
        fast++;
        expect(chat.safeParse(body).success, JSON.stringify(body)).toBe(true);
      }
    }
    expect(fast).toBeGreaterThan(100);
  });

  it('leaves everything it does not understand to zod, which still names the problem', () => {
    expect(isSimpleChatBody({ messages: [{ role: 'user', content: 'hi' }], tools: [] })).toBe(
      false,
    );
    expect(
      requestProblem(
        { customId: 'a', body: { messages: [{ role: 'user', content: 'hi' }], temprature: 1 } },
        '/v1/chat/completions',
      )?.message,
    ).toMatch(/unknown field\(s\) "temprature"/);
    expect(
      requestProblem(
        {
          customId: 'a',
          body: { messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function' }] },
        },
        '/v1/chat/completions',
      ),
    ).toBeUndefined();
  });
});
