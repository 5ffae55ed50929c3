import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { EmulatorConfigError } from '../errors/emulator-config-error.js';
import { knownKeys, scenarioRuleSchema } from './scenario-schema.js';

/** Where a model call came from. */
export type ScenarioEndpoint = 'chat' | 'agents' | 'conversations' | 'batch';

/** What a rule matches. Every field given must match; an empty match matches every call. */
export interface ScenarioMatch {
  /** Exact model name. */
  model?: string;
  /** Agent id or agent name (agents completions, agent conversations, batch jobs with an agent). */
  agent?: string;
  endpoint?: ScenarioEndpoint;
  /** Regular expression (case-insensitive) tested against the last user message. */
  lastUserMessage?: string;
  /** 1 for the first model turn after a user message, 2 after one round of tool results, ... */
  step?: number;
}

/**
 * One scenario rule. Exactly one outcome: `text` (with `$1`... for the groups captured by
 * `lastUserMessage`), `toolCalls`, `error` (an HTTP error answer) or `fault` (the
 * `x-emulator-fault` syntax). `times` limits how often the rule fires. Rules are checked strictly
 * when the emulator starts: an unknown key, a wrong type or a rule without exactly one outcome is an
 * `EmulatorConfigError` naming the rule and the key.
 */
export interface ScenarioRule {
  /** A label for the rule, used in error messages. */
  name?: string;
  match?: ScenarioMatch;
  text?: string;
  toolCalls?: { name: string; arguments?: string | Record<string, unknown> }[];
  /** An error answer; with `midStream`, a streamed answer starts and then reports the error. */
  error?: {
    status: number;
    message?: string;
    body?: unknown;
    retryAfter?: number;
    midStream?: boolean;
  };
  fault?: string;
  times?: number;
}

/** A scenario file: `{ "rules": [...] }` or a bare array of rules. */
export type ScenarioFile = { rules: ScenarioRule[] } | ScenarioRule[];

/** Issues reported per load, at most. */
const maxIssues = 10;

/** Reads and checks a scenario file (JSON). */
export function loadScenarioFile(path: string): ScenarioRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new EmulatorConfigError(`cannot read scenario file ${path}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EmulatorConfigError(`scenario file ${path} is not valid JSON`, { cause: error });
  }
  return checkScenarios(parsed, path);
}

/**
 * Checks rules given in code or read from a file, and returns them as a list. Every rule is checked
 * against the scenario schema: unknown keys at any level, wrong types and values, and rules without
 * exactly one outcome are refused with an `EmulatorConfigError` that names each rule (its index and
 * `name`) and key at fault.
 */
export function checkScenarios(input: unknown, source = 'scenarios'): ScenarioRule[] {
  const rules = ruleList(input, source);
  const problems: string[] = [];
  const checked: ScenarioRule[] = [];
  rules.forEach((rule, index) => {
    const result = scenarioRuleSchema.safeParse(rule);
    if (result.success) {
      checked.push(result.data);
      return;
    }
    const where = `rule ${index}${ruleName(rule)}`;
    for (const issue of result.error.issues) problems.push(`${where}: ${describeIssue(issue)}`);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, maxIssues);
    if (problems.length > maxIssues) shown.push(`... and ${problems.length - maxIssues} more`);
    const lines = shown.length === 1 ? ` ${shown[0]!}` : `\n  ${shown.join('\n  ')}`;
    throw new EmulatorConfigError(`${source}: invalid scenario rules:${lines}`);
  }
  return checked;
}

function ruleList(input: unknown, source: string): unknown[] {
  if (Array.isArray(input)) return input;
  const expected = 'expected an array of rules or { "rules": [...] }';
  if (typeof input !== 'object' || input === null)
    throw new EmulatorConfigError(`${source}: ${expected}`);
  const extra = Object.keys(input).filter((key) => key !== 'rules');
  if (extra.length > 0) {
    throw new EmulatorConfigError(`${source}: unknown key ${quoteAll(extra)} (${expected})`);
  }
  const rules = (input as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) throw new EmulatorConfigError(`${source}: ${expected}`);
  return rules;
}

function ruleName(rule: unknown): string {
  const name = (rule as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? ` (${JSON.stringify(name)})` : '';
}

const typeNames: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  record: 'an object',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  const at = path === '' ? '' : `${path}: `;
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(issue.path);
    const keys = issue.keys.map((key) => {
      const near = closest(key, known);
      return near === undefined
        ? JSON.stringify(key)
        : `${JSON.stringify(key)} (did you mean "${near}"?)`;
    });
    return `${at}unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  if (issue.code === 'invalid_type')
    return `${at}must be ${typeNames[issue.expected] ?? issue.expected}`;
  return `${at}${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function quoteAll(keys: readonly string[]): string {
  return keys.map((key) => JSON.stringify(key)).join(', ');
}

/** The known key within two edits of `key`, if any. */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
