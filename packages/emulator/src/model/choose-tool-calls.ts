import { extractKeyTerms, isStopword, stem, wordStems } from './key-terms.js';
import type { FunctionToolSpec, ModelRequest } from './model-request.js';

/** A tool the model decided to call, and where the prompt names it (-1 when it does not). */
export interface ChosenTool {
  tool: FunctionToolSpec;
  position: number;
}

const sequencePattern =
  /\b(then|after that|afterwards|next|once you have|followed by|finally|step by step)\b/i;

const genericVerbs = new Set(
  'get set fetch find lookup look list search create make do run call query retrieve read load check'.split(
    ' ',
  ),
);

/**
 * Decides which function tools the model calls this turn:
 * - `none`, or no function tools: none;
 * - a named function: that one;
 * - `auto`: when the last message is from the user, the tools it names (all of them in parallel,
 *   or the first only when the prompt orders steps with words such as "then", or when
 *   `parallel_tool_calls` is false), else the one whose description it clearly asks for; after
 *   tool results, the next named tool not yet called in this exchange, else none (the model answers);
 * - `any`/`required`: like `auto`, falling back to the best match or the first tool.
 */
export function chooseToolCalls(request: ModelRequest): ChosenTool[] {
  const { tools, toolChoice, messages } = request;
  if (tools.length === 0 || toolChoice === 'none') return [];
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      lastUser = i;
      break;
    }
  }
  const prompt = lastUser >= 0 ? messages[lastUser]!.content : '';
  const named = namedTools(tools, prompt);
  if (typeof toolChoice === 'object') {
    const tool = tools.find((t) => t.name === toolChoice.name);
    if (!tool) return [];
    return [{ tool, position: named.find((n) => n.tool === tool)?.position ?? -1 }];
  }
  const forced = toolChoice === 'any' || toolChoice === 'required';
  const oneAtATime = sequencePattern.test(prompt) || !request.parallelToolCalls;
  const last = messages[messages.length - 1];
  const fallback = (): ChosenTool[] => {
    const described = describedTool(tools, prompt);
    return [
      described
        ? { tool: described, position: -1 }
        : (named[0] ?? { tool: tools[0]!, position: -1 }),
    ];
  };
  if (last?.role === 'user') {
    if (named.length > 0) return oneAtATime ? named.slice(0, 1) : named;
    const described = describedTool(tools, prompt);
    if (described) return [{ tool: described, position: -1 }];
    return forced ? fallback() : [];
  }
  if (last?.role === 'tool') {
    const called = new Set<string>();
    for (let i = lastUser + 1; i < messages.length; i++) {
      for (const call of messages[i]!.toolCalls ?? []) called.add(call.name);
    }
    const remaining = named.filter((n) => !called.has(n.tool.name));
    if (remaining.length > 0) return oneAtATime ? remaining.slice(0, 1) : remaining;
    return forced ? fallback() : [];
  }
  return forced ? fallback() : [];
}

/** The tools whose name appears in the prompt, in the order they first appear. */
export function namedTools(tools: FunctionToolSpec[], prompt: string): ChosenTool[] {
  const lower = prompt.toLowerCase();
  const found: ChosenTool[] = [];
  for (const tool of tools) {
    const variants = new Set([
      tool.name.toLowerCase(),
      tool.name.replace(/[_-]+/g, ' ').toLowerCase(),
      tool.name
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .replace(/[_-]+/g, ' ')
        .toLowerCase(),
    ]);
    let position = -1;
    for (const variant of variants) {
      const at = wordIndex(lower, variant);
      if (at >= 0 && (position < 0 || at < position)) position = at;
    }
    if (position >= 0) found.push({ tool, position });
  }
  return found.sort((a, b) => a.position - b.position);
}

function wordIndex(haystack: string, needle: string): number {
  if (needle === '') return -1;
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return -1;
    const before = at === 0 ? '' : haystack[at - 1]!;
    const after = haystack[at + needle.length] ?? '';
    if (!/[\p{L}\p{N}_]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return at;
    from = at + 1;
  }
}

/**
 * The tool the prompt clearly asks for without naming it: all meaningful words of its name appear
 * in the prompt (`get_weather` for "what is the weather"), or at least two key terms of its
 * description (or half of them) do. Ties go to the tool listed first.
 */
export function describedTool(
  tools: FunctionToolSpec[],
  prompt: string,
): FunctionToolSpec | undefined {
  const promptStems = wordStems(prompt);
  let best: FunctionToolSpec | undefined;
  let bestScore = 0;
  for (const tool of tools) {
    const nameWords = tool.name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .split(/[^\p{L}\p{N}]+/u)
      .map((w) => w.toLowerCase())
      .filter((w) => w.length > 2 && !genericVerbs.has(w) && !isStopword(w));
    let score = 0;
    if (nameWords.length > 0 && nameWords.every((w) => promptStems.has(stem(w)))) {
      score = 100 + nameWords.length;
    } else if (tool.description) {
      const terms = extractKeyTerms(tool.description, 12).map(stem);
      const hits = terms.filter((t) => promptStems.has(t)).length;
      if (hits >= 2 || (terms.length > 0 && hits > 0 && hits * 2 >= terms.length)) score = hits;
    }
    if (score > bestScore) {
      best = tool;
      bestScore = score;
    }
  }
  return best;
}
