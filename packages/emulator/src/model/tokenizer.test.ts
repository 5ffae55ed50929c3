import { describe, expect, it } from 'vitest';
import { countTokens, tokenize } from './tokenizer.js';

describe('tokenize', () => {
  it('splits words and punctuation with their leading space, and joins back to the text', () => {
    const text = 'Hello, world! Ça va? 42 cats.  ';
    const tokens = tokenize(text);
    expect(tokens).toEqual([
      'Hello',
      ',',
      ' world',
      '!',
      ' Ça',
      ' va',
      '?',
      ' 42',
      ' cats',
      '.',
      '  ',
    ]);
    expect(tokens.join('')).toBe(text);
  });

  it('keeps JSON intact when joined', () => {
    const json = '{"a":[1,2],"b":"x y"}';
    expect(tokenize(json).join('')).toBe(json);
  });

  it('counts the same tokens it produces', () => {
    for (const text of ['', 'one', 'a b c.', ' leading space', '{"k": "v"}']) {
      expect(countTokens(text)).toBe(tokenize(text).length);
    }
  });
});
