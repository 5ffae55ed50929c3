import { parseFault, type Fault } from '../faults/fault.js';
import type { ScriptedReply } from '../model/scripted-model.js';
import type { ScenarioEndpoint, ScenarioRule } from './scenario.js';

/** The facts of one model call that rules are matched against. */
export interface ScenarioInput {
  endpoint: ScenarioEndpoint;
  model: string;
  agentId?: string;
  agentName?: string;
  lastUserMessage: string;
  step: number;
}

export type ScenarioOutcome =
  | { kind: 'reply'; reply: ScriptedReply }
  | {
      kind: 'error';
      status: number;
      body: unknown;
      message: string;
      retryAfter?: number;
      midStream?: boolean;
    }
  | { kind: 'fault'; fault: Fault };

interface CompiledRule {
  rule: ScenarioRule;
  pattern?: RegExp;
  fired: number;
}

/** Finds the first rule that matches a model call, in file order, and counts its uses. */
export class ScenarioMatcher {
  private readonly rules: CompiledRule[];

  constructor(rules: ScenarioRule[]) {
    this.rules = rules.map((rule) => ({
      rule,
      pattern:
        rule.match?.lastUserMessage === undefined
          ? undefined
          : new RegExp(rule.match.lastUserMessage, 'i'),
      fired: 0,
    }));
  }

  get size(): number {
    return this.rules.length;
  }

  match(input: ScenarioInput): ScenarioOutcome | undefined {
    for (const compiled of this.rules) {
      const { rule } = compiled;
      if (rule.times !== undefined && compiled.fired >= rule.times) continue;
      const m = rule.match ?? {};
      if (m.endpoint !== undefined && m.endpoint !== input.endpoint) continue;
      if (m.model !== undefined && m.model !== input.model) continue;
      if (m.agent !== undefined && m.agent !== input.agentId && m.agent !== input.agentName)
        continue;
      if (m.step !== undefined && m.step !== input.step) continue;
      let groups: RegExpExecArray | null = null;
      if (compiled.pattern) {
        groups = compiled.pattern.exec(input.lastUserMessage);
        if (!groups) continue;
      }
      compiled.fired++;
      return outcome(rule, groups);
    }
    return undefined;
  }

  reset(): void {
    for (const compiled of this.rules) compiled.fired = 0;
  }
}

function outcome(rule: ScenarioRule, groups: RegExpExecArray | null): ScenarioOutcome {
  if (rule.fault !== undefined) return { kind: 'fault', fault: parseFault(rule.fault)! };
  if (rule.error !== undefined) {
    const {
      status,
      message = `Scripted error ${status}`,
      body,
      retryAfter,
      midStream,
    } = rule.error;
    return {
      kind: 'error',
      status,
      message,
      retryAfter,
      midStream,
      body: body ?? {
        object: 'error',
        message,
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        param: null,
        code: null,
      },
    };
  }
  if (rule.toolCalls !== undefined) {
    return {
      kind: 'reply',
      reply: {
        toolCalls: rule.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments ?? {} })),
      },
    };
  }
  const text = rule.text ?? '';
  return { kind: 'reply', reply: { text: groups ? substitute(text, groups) : text } };
}

function substitute(text: string, groups: RegExpExecArray): string {
  return text.replace(
    /\$(\d)|\$<([A-Za-z_][A-Za-z0-9_]*)>/g,
    (whole, index?: string, name?: string) => {
      if (index !== undefined) return groups[Number(index)] ?? '';
      if (name !== undefined) return groups.groups?.[name] ?? '';
      return whole;
    },
  );
}
