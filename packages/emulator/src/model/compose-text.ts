import { pick, type Random } from './prng.js';
import { countTokens } from './tokenizer.js';

/**
 * Sentence templates. `{a}` and `{b}` are replaced by two different key terms of the prompt,
 * `{A}` by the first one capitalised.
 */
const openers = [
  'Here is a short answer about {a}.',
  'You asked about {a}, so let me cover the main points.',
  'Good question about {a}.',
  'Let us look at {a} and {b}.',
];

const middles = [
  '{A} is closely related to {b}, and both matter here.',
  'The key point about {a} is that it should be clear and measurable.',
  'When it comes to {a}, consistency usually helps more than complexity.',
  'A practical first step is to look at {a} and {b} together.',
  'Consider how {a} interacts with {b} before deciding.',
  'In most cases {a} depends on the context you described.',
  'Many people find that {a} becomes easier once {b} is settled.',
  'It also helps to write down what you expect from {a}.',
];

const closers = [
  'Overall, {a} and {b} fit together well.',
  'In short, start with {a} and refine from there.',
  'That should give you a solid picture of {a}.',
  'Let me know if you want more detail on {b}.',
];

function fill(template: string, terms: string[], random: Random): string {
  const a = pick(random, terms);
  const others = terms.filter((t) => t !== a);
  const b = others.length > 0 ? pick(random, others) : a;
  return template
    .replace('{A}', a.charAt(0).toUpperCase() + a.slice(1))
    .replace('{a}', a)
    .replace('{b}', b);
}

export interface ComposeOptions {
  /** Aim for at least this many tokens (default 20). */
  minTokens?: number;
  /** Never exceed this many tokens unless one sentence does (default 60). */
  maxTokens?: number;
}

/**
 * Writes an answer that reads as sentences and mentions the prompt's key terms. Its length is
 * drawn between `minTokens` and `maxTokens` by `random`.
 */
export function composeAnswer(
  keyTerms: string[],
  random: Random,
  options: ComposeOptions = {},
): string {
  const { minTokens = 20, maxTokens = 60 } = options;
  const terms = keyTerms.length > 0 ? keyTerms : ['your request'];
  const target = minTokens + Math.floor(random() * Math.max(1, maxTokens - minTokens - 10));
  const sentences = [fill(pick(random, openers), terms, random)];
  // Mention every key term at least once when the length allows it.
  let tokens = countTokens(sentences[0]!);
  const unused = middles.slice();
  while (tokens < target && unused.length > 0) {
    const template = unused.splice(Math.floor(random() * unused.length), 1)[0]!;
    const sentence = ' ' + fill(template, terms, random);
    const size = countTokens(sentence);
    if (tokens + size > maxTokens - 8) break;
    sentences.push(sentence);
    tokens += size;
  }
  const mentioned = sentences.join('').toLowerCase();
  const missing = terms.filter((t) => !mentioned.includes(t.toLowerCase()));
  if (missing.length > 0 && tokens + missing.length * 2 + 6 <= maxTokens) {
    sentences.push(` It also touches on ${joinList(missing)}.`);
  }
  sentences.push(' ' + fill(pick(random, closers), terms, random));
  return sentences.join('');
}

/** Joins words as `a`, `a and b`, `a, b and c`. */
export function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A tool's result as the model reads it back. */
export interface ToolResult {
  name: string;
  content: string;
}

/**
 * Writes the final answer after tool calls: it quotes each tool's result (shortened when long) and
 * relates it to the user's question.
 */
export function composeToolAnswer(
  results: ToolResult[],
  keyTerms: string[],
  random: Random,
): string {
  const parts = results.map((r, i) => {
    const content = r.content.length > 300 ? `${r.content.slice(0, 297)}...` : r.content;
    const lead = i === 0 ? 'Based on the' : 'The';
    return `${lead} ${r.name} result, ${content.trim() === '' ? 'nothing was returned' : `the answer is: ${content}`}.`;
  });
  const terms = keyTerms.length > 0 ? keyTerms : ['your request'];
  parts.push(
    fill(
      pick(random, [
        'That should answer your question about {a}.',
        'This covers what you asked about {a}.',
        'I hope this helps with {a}.',
      ]),
      terms,
      random,
    ),
  );
  return parts.join(' ');
}
