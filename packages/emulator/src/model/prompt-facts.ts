import { extractKeyTerms } from './key-terms.js';

/** What the scripted model reads out of a prompt. */
export interface PromptFacts {
  /** The prompt itself. */
  text: string;
  /** Lower-cased prompt, for matching. */
  lower: string;
  keyTerms: string[];
  /** Text in double, single or typographic quotes, with its position in the prompt. */
  quoted: { value: string; index: number }[];
  /** Numbers that appear outside quotes, with their position. */
  numbers: { value: number; index: number }[];
}

const quotePattern =
  /"([^"\n]+)"|“([^”\n]+)”|‘([^’\n]+)’|(?<![\p{L}\p{N}])'([^'\n]+)'(?![\p{L}\p{N}])/gu;
const numberPattern = /(?<![\p{L}\p{N}.])-?\d+(?:\.\d+)?(?![\p{L}\p{N}])/gu;

export function readPrompt(text: string): PromptFacts {
  const quoted: PromptFacts['quoted'] = [];
  const spans: [number, number][] = [];
  for (const match of text.matchAll(quotePattern)) {
    const value = match[1] ?? match[2] ?? match[3] ?? match[4] ?? '';
    quoted.push({ value, index: match.index });
    spans.push([match.index, match.index + match[0].length]);
  }
  // Both lists come in text order, so one walk over the quoted spans skips the numbers inside
  // them: linear in the prompt, however many quotes and numbers it mixes.
  const numbers: PromptFacts['numbers'] = [];
  let span = 0;
  for (const match of text.matchAll(numberPattern)) {
    while (span < spans.length && spans[span]![1] <= match.index) span++;
    const inside = span < spans.length && match.index >= spans[span]![0];
    if (!inside) numbers.push({ value: Number(match[0]), index: match.index });
  }
  return { text, lower: text.toLowerCase(), keyTerms: extractKeyTerms(text), quoted, numbers };
}
