import { describe, expect, it } from 'vitest';
import { extractKeyTerms } from './key-terms.js';
import { readPrompt } from './prompt-facts.js';

describe('extractKeyTerms', () => {
  it('keeps meaningful words in order of appearance and drops function words', () => {
    expect(extractKeyTerms('What is the best way to learn Rust and the borrow checker?')).toEqual([
      'best',
      'learn',
      'Rust',
      'borrow',
      'checker',
    ]);
  });

  it('deduplicates case-insensitively and honours the limit', () => {
    expect(extractKeyTerms('Paris paris PARIS Lyon Nice Lille', 2)).toEqual(['Paris', 'Lyon']);
  });
});

describe('readPrompt', () => {
  it('finds quoted text in every quote style and numbers outside quotes', () => {
    const facts = readPrompt(
      `Book "Le Train Bleu" for 4 people, say ‘merci’ and 'à bientôt' at 19.30 ("table 12")`,
    );
    expect(facts.quoted.map((q) => q.value)).toEqual([
      'Le Train Bleu',
      'merci',
      'à bientôt',
      'table 12',
    ]);
    expect(facts.numbers.map((n) => n.value)).toEqual([4, 19.3]);
  });

  it('does not take an apostrophe inside a word for a quote', () => {
    expect(readPrompt("It's John's car").quoted).toEqual([]);
  });
});
