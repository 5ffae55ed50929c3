/**
 * Picks the words of a prompt that carry its meaning (nouns, names, numbers), dropping common
 * function words, so that the scripted model can talk about them.
 */
const stopwords = new Set(
  `a about above after again against all also am an and any are as at be because been before being
  below between both but by can could did do does doing done down during each either else even ever
  every few for from further get give got had has have having he her here hers herself him himself his
  how i if in into is it its itself just let like make many me might more most much must my myself
  need no nor not now of off on once only or other our ours ourselves out over own please quite rather
  really same say shall she should show so some such tell than that the their theirs them themselves
  then there these they this those through to too under until up upon us use used using very want
  was we were what when where which while who whom whose why will with would yes yet you your yours
  yourself yourselves hello hi hey thanks thank okay ok sure answer question write explain describe
  briefly short long one two three something anything everything thing things way ways lot`.split(
    /\s+/,
  ),
);

const wordPattern = /[\p{L}\p{N}][\p{L}\p{N}_'-]*/gu;

/** Returns up to `limit` distinct key terms in order of first appearance (original casing). */
export function extractKeyTerms(text: string, limit = 8): string[] {
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const match of text.matchAll(wordPattern)) {
    const word = match[0].replace(/['-]+$/, '');
    const lower = word.toLowerCase();
    if (word.length < 3 && !/^\p{N}+$/u.test(word)) continue;
    if (stopwords.has(lower) || seen.has(lower)) continue;
    seen.add(lower);
    terms.push(word);
    if (terms.length >= limit) break;
  }
  return terms;
}

/** True when `word` is a common function word. */
export function isStopword(word: string): boolean {
  return stopwords.has(word.toLowerCase());
}

/** Lower-cased words of a text, with a trailing plural `s` removed, for loose matching. */
export function wordStems(text: string): Set<string> {
  const stems = new Set<string>();
  for (const match of text.toLowerCase().matchAll(wordPattern)) stems.add(stem(match[0]));
  return stems;
}

export function stem(word: string): string {
  const lower = word.toLowerCase();
  if (lower.length > 4 && lower.endsWith('ies')) return lower.slice(0, -3) + 'y';
  if (lower.length > 3 && lower.endsWith('s') && !lower.endsWith('ss')) return lower.slice(0, -1);
  return lower;
}
