import { readFileSync } from 'node:fs';
import { EmulatorConfigError } from '../errors/emulator-config-error.js';
import { parseFault } from '../faults/fault.js';

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
 * `x-emulator-fault` syntax). `times` limits how often the rule fires.
 */
export interface ScenarioRule {
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

const endpoints = new Set(['chat', 'agents', 'conversations', 'batch']);

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
  return checkScenarios(parsed as ScenarioFile, path);
}

/** Checks rules given in code or read from a file, and returns them as a list. */
export function checkScenarios(input: ScenarioFile, source = 'scenarios'): ScenarioRule[] {
  const rules = Array.isArray(input) ? input : input?.rules;
  if (!Array.isArray(rules))
    throw new EmulatorConfigError(`${source}: expected an array of rules or { rules: [...] }`);
  rules.forEach((rule, i) => {
    const where = `${source}: rule ${i}`;
    if (typeof rule !== 'object' || rule === null)
      throw new EmulatorConfigError(`${where} is not an object`);
    const outcomes = ['text', 'toolCalls', 'error', 'fault'].filter(
      (k) => (rule as Record<string, unknown>)[k] !== undefined,
    );
    if (outcomes.length !== 1) {
      throw new EmulatorConfigError(`${where} needs exactly one of text, toolCalls, error, fault`);
    }
    const match = rule.match ?? {};
    if (match.lastUserMessage !== undefined) {
      try {
        new RegExp(match.lastUserMessage, 'i');
      } catch (error) {
        throw new EmulatorConfigError(`${where}: invalid lastUserMessage regex`, { cause: error });
      }
    }
    if (match.endpoint !== undefined && !endpoints.has(match.endpoint)) {
      throw new EmulatorConfigError(
        `${where}: endpoint must be chat, agents, conversations or batch`,
      );
    }
    if (rule.fault !== undefined && parseFault(rule.fault) === undefined) {
      throw new EmulatorConfigError(`${where}: invalid fault ${rule.fault}`);
    }
    if (
      rule.error !== undefined &&
      (!Number.isInteger(rule.error.status) || rule.error.status < 400)
    ) {
      throw new EmulatorConfigError(`${where}: error.status must be an HTTP error status`);
    }
    if (
      rule.toolCalls !== undefined &&
      (!Array.isArray(rule.toolCalls) || rule.toolCalls.some((c) => typeof c?.name !== 'string'))
    ) {
      throw new EmulatorConfigError(`${where}: toolCalls must be [{ name, arguments }]`);
    }
  });
  return rules;
}
