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

  it('reads a 4 MB prompt mixing quoted phrases and numbers in one pass', () => {
    // 100,000 repetitions: each has two quoted phrases (with a number inside) and two numbers
    // outside quotes. A check of every number against every quote took minutes at this size.
    const unit = (i: number) =>
      `Item "phrase ${i}" costs ${i * 3} units, 'note ${i}' weighs ${i}.5. `;
    const text = Array.from({ length: 100_000 }, (_, i) => unit(i)).join('');
    expect(text.length).toBeGreaterThan(4_000_000);
    const facts = readPrompt(text);
    expect(facts.quoted).toHaveLength(200_000);
    expect(facts.numbers).toHaveLength(200_000);
    expect(facts.numbers.slice(0, 4).map((n) => n.value)).toEqual([0, 0.5, 3, 1.5]);
    expect(facts.numbers.at(-1)?.value).toBe(99_999.5);
  });
});
