/**
 * The emulator's tokenizer: a word or a punctuation mark together with the whitespace before it is
 * one token, and trailing whitespace joins the last token. Joining the tokens gives back the text
 * exactly, which is what streaming relies on. Usage counts use the same rule everywhere, so that
 * streamed and non-streamed responses report the same numbers.
 */
const tokenPattern = /\s*(?:[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_])|\s+$/gu;

export function tokenize(text: string): string[] {
  return text.match(tokenPattern) ?? [];
}

/** Counts tokens without building the array. */
export function countTokens(text: string): number {
  let count = 0;
  tokenPattern.lastIndex = 0;
  while (tokenPattern.exec(text) !== null) count++;
  tokenPattern.lastIndex = 0;
  return count;
}
