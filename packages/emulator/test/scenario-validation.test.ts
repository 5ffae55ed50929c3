import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmulatorConfigError, startEmulator, type EmulatorOptions } from '../src/index.js';
import { startTestEmulator } from './support/test-emulator.js';

/** The `EmulatorConfigError` that starting with these scenarios throws. */
async function refusal(scenarios: EmulatorOptions['scenarios']): Promise<EmulatorConfigError> {
  const error = await startEmulator({ scenarios }).then(
    async (emulator) => {
      await emulator.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmulatorConfigError);
  return error as EmulatorConfigError;
}

function scenarioFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mf-emu-scenarios-')), 'scenarios.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('scenario validation', () => {
  it('refuses a misspelled match key in a file, naming the file, the rule and the key', async () => {
    const path = scenarioFile({
      rules: [
        { match: { model: 'mistral-small-latest' }, text: 'fine' },
        { name: 'large model fails', match: { modl: 'mistral-large-latest' }, fault: '503' },
      ],
    });
    const error = await refusal(path);
    expect(error.code).toBe('invalid_config');
    expect(error.message).toBe(
      `${path}: invalid scenario rules: rule 1 ("large model fails"): match: unknown key "modl" (did you mean "model"?)`,
    );
  });

  it('refuses unknown keys at every level, wrong types and rules without exactly one outcome', async () => {
    const cases: [unknown, string][] = [
      [[{ txt: 'hello' }], 'rule 0: unknown key "txt" (did you mean "text"?)'],
      [
        [{ text: 'a', fault: '500' }],
        'rule 0: needs exactly one of text, toolCalls, error, fault (has text, fault)',
      ],
      [
        [{ match: { model: 'x' } }],
        'rule 0: needs exactly one of text, toolCalls, error, fault (has none)',
      ],
      [[{}], 'rule 0: needs exactly one of text, toolCalls, error, fault (has none)'],
      [[{ match: { step: '1' }, text: 'a' }], 'rule 0: match.step: must be a number'],
      [[{ match: { step: 0 }, text: 'a' }], 'rule 0: match.step: Too small'],
      [[{ match: { endpoint: 'chats' }, text: 'a' }], 'rule 0: match.endpoint: Invalid option'],
      [
        [{ match: { lastUserMessage: '(' }, text: 'a' }],
        'rule 0: match.lastUserMessage: is not a valid regular expression',
      ],
      [[{ error: { status: 503, retry_after: 2 } }], 'rule 0: error: unknown key "retry_after"'],
      [[{ error: { status: 200 } }], 'rule 0: error.status: Too small'],
      [[{ toolCalls: [{ name: 'f', args: {} }] }], 'rule 0: toolCalls[0]: unknown key "args"'],
      [[{ toolCalls: [] }], 'rule 0: toolCalls: Too small'],
      [[{ fault: '418' }], 'rule 0: fault: is not a fault'],
      [[{ text: 'a', times: 1.5 }], 'rule 0: times: must be an integer'],
      [[{ text: 'a', name: 7 }], 'rule 0: name: must be a string'],
      [['text'], 'rule 0: must be an object'],
      [{ rule: [] }, 'unknown key "rule"'],
      [{ rules: {} }, 'expected an array of rules'],
    ];
    for (const [scenarios, expected] of cases) {
      const error = await refusal(scenarios as EmulatorOptions['scenarios']);
      expect(error.message, JSON.stringify(scenarios)).toContain(expected);
    }
  });

  it('lists every problem of every rule, up to ten', async () => {
    const error = await refusal([
      { match: { modl: 'x', stepp: 1 } as never, text: 'a' },
      { text: 'fine' },
      { name: 'second', fault: 'boom' },
    ]);
    expect(error.message.split('\n')).toEqual([
      'scenarios: invalid scenario rules:',
      '  rule 0: match: unknown keys "modl" (did you mean "model"?), "stepp" (did you mean "step"?)',
      expect.stringMatching(/^ {2}rule 2 \("second"\): fault: is not a fault \(429, /),
    ]);
    const many = await refusal(Array.from({ length: 12 }, () => ({})));
    expect(many.message).toContain('... and 2 more');
  });

  it('loads the rule shapes used across the repository, and a named rule answers', async () => {
    const { client } = await startTestEmulator({
      scenarios: {
        rules: [
          {
            name: 'capitals',
            match: { lastUserMessage: 'capital of (\\w+)', endpoint: 'chat' },
            text: 'The capital of $1 is lovely.',
          },
          {
            match: { agent: 'Booker', step: 1 },
            toolCalls: [{ name: 'book_table', arguments: { seats: 2 } }],
          },
          { match: { agent: 'Booker', step: 2 }, text: 'Your table is booked.' },
          {
            match: { model: 'mistral-large-latest', endpoint: 'conversations' },
            error: { status: 400, message: 'No', body: { detail: 'No' }, retryAfter: 1 },
          },
          { match: { lastUserMessage: 'flaky' }, fault: '503', times: 1 },
          { match: { lastUserMessage: 'hang' }, fault: 'timeout' },
          { match: { lastUserMessage: 'mid' }, error: { status: 503, midStream: true } },
          { match: { endpoint: 'batch' }, toolCalls: [{ name: 'f', arguments: '{"a":1}' }] },
        ],
      },
    });
    const res = await client.chat.complete({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    });
    expect(res.choices[0]?.message?.content).toBe('The capital of France is lovely.');
  });
});
