import type { JsonSchema } from '../validation/schema-types.js';
import type { PromptFacts } from './prompt-facts.js';

/** Inputs and running state of one synthesis (quoted strings and numbers are used up in order). */
export interface SynthesisContext {
  facts: PromptFacts;
  /** Quoted strings still available, in the order they should be used. */
  quotes: string[];
  /** Numbers still available. */
  numbers: number[];
  /** Include optional properties (structured outputs) or only required ones and those the prompt names (tool arguments). */
  includeOptional: boolean;
  /** The schema that `$ref`s resolve against. */
  root: JsonSchema;
  termIndex?: number;
}

const maxDepth = 8;

const textLikeNames =
  /^(query|q|question|prompt|text|message|input|search|search_query|content|request|instruction|instructions|task|topic|subject|body)$/i;

/**
 * Builds a value that satisfies `schema`: required properties present, right types, enums and
 * bounds respected, strings taken from the prompt's quoted text first, then from its key terms.
 */
export function synthesizeValue(
  schema: JsonSchema | boolean | undefined,
  ctx: SynthesisContext,
  name = 'value',
  depth = 0,
): unknown {
  if (schema === undefined || typeof schema === 'boolean') return synthesizeString({}, ctx, name);
  const s = resolveRef(schema, ctx.root);
  if (depth > maxDepth) return defaultFor(s);
  if (s.const !== undefined) return s.const;
  if (s.enum !== undefined && s.enum.length > 0) return pickEnum(s.enum, ctx);
  const branches = s.anyOf ?? s.oneOf;
  if (branches && branches.length > 0) {
    const branch =
      branches.find((b) => {
        const r = resolveRef(b, ctx.root);
        return r.type !== 'null' && r.const !== null;
      }) ?? branches[0]!;
    return synthesizeValue(branch, ctx, name, depth + 1);
  }
  if (s.allOf && s.allOf.length > 0)
    return synthesizeValue(mergeAllOf(s, ctx.root), ctx, name, depth + 1);
  switch (typeOf(s)) {
    case 'object':
      return synthesizeObject(s, ctx, depth);
    case 'array':
      return synthesizeArray(s, ctx, name, depth);
    case 'integer':
      return synthesizeNumber(s, ctx, true);
    case 'number':
      return synthesizeNumber(s, ctx, false);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return synthesizeString(s, ctx, name);
  }
}

function typeOf(s: JsonSchema): string {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null') ?? 'null';
  if (s.type !== undefined) return s.type;
  if (s.properties !== undefined) return 'object';
  if (s.items !== undefined || s.prefixItems !== undefined) return 'array';
  return 'string';
}

function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let i = 0; i < 16 && current.$ref !== undefined; i++) {
    const ref = current.$ref;
    if (ref === '#') {
      current = root;
      continue;
    }
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
    const table = match ? (match[1] === '$defs' ? root.$defs : root.definitions) : undefined;
    const name = match ? decodeURIComponent(match[2]!) : '';
    const target = table && Object.hasOwn(table, name) ? table[name] : undefined;
    if (target === undefined) return {};
    current = target;
  }
  return current;
}

function mergeAllOf(s: JsonSchema, root: JsonSchema): JsonSchema {
  // Prototype-less: property names come from the client's schema (`__proto__` is a name too).
  const properties = Object.assign(Object.create(null), s.properties) as JsonSchema['properties'];
  const result: JsonSchema = { ...s, allOf: undefined, properties };
  const required = new Set(s.required ?? []);
  for (const part of s.allOf ?? []) {
    const r = resolveRef(part, root);
    Object.assign(result.properties!, r.properties);
    for (const n of r.required ?? []) required.add(n);
    result.type ??= r.type;
  }
  result.required = [...required];
  return result;
}

function defaultFor(s: JsonSchema): unknown {
  switch (typeOf(s)) {
    case 'object':
      return {};
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return s.minimum ?? 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return '';
  }
}

function pickEnum(values: unknown[], ctx: SynthesisContext): unknown {
  for (const value of values) {
    if (
      typeof value === 'string' &&
      value !== '' &&
      mentions(ctx.facts.lower, value.toLowerCase())
    ) {
      return value;
    }
    if (typeof value === 'number' && ctx.numbers.includes(value)) return value;
  }
  return values[0];
}

function mentions(haystack: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    const before = at === 0 ? '' : haystack[at - 1]!;
    const after = haystack[at + needle.length] ?? '';
    if (!/[\p{L}\p{N}_]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return true;
    from = at + 1;
  }
}

function synthesizeObject(s: JsonSchema, ctx: SynthesisContext, depth: number): unknown {
  // Prototype-less: property names come from the client's schema (`__proto__` is a name too).
  const result = Object.create(null) as Record<string, unknown>;
  const required = new Set(s.required ?? []);
  for (const [key, sub] of Object.entries(s.properties ?? {})) {
    const wanted =
      required.has(key) ||
      ctx.includeOptional ||
      mentions(ctx.facts.lower, key.toLowerCase().replace(/_/g, ' ')) ||
      mentions(ctx.facts.lower, key.toLowerCase());
    if (wanted) result[key] = synthesizeValue(sub, ctx, key, depth + 1);
  }
  return result;
}

function synthesizeArray(
  s: JsonSchema,
  ctx: SynthesisContext,
  name: string,
  depth: number,
): unknown[] {
  const min = s.minItems ?? 1;
  const max = s.maxItems ?? Number.POSITIVE_INFINITY;
  if (s.prefixItems && s.prefixItems.length > 0) {
    return s.prefixItems.map((item, i) => synthesizeValue(item, ctx, `${name}_${i}`, depth + 1));
  }
  const items = s.items === undefined ? {} : resolveRef(s.items, ctx.root);
  let count = Math.max(min, 1);
  if (items.enum !== undefined) {
    const mentioned = items.enum.filter(
      (v) => typeof v === 'string' && v !== '' && mentions(ctx.facts.lower, v.toLowerCase()),
    );
    if (mentioned.length > 0) {
      const chosen = mentioned.slice(0, Math.min(max, Math.max(min, mentioned.length)));
      while (chosen.length < min) chosen.push(items.enum[chosen.length % items.enum.length]);
      return chosen;
    }
  } else if (typeOf(items) === 'string' && items.format === undefined) {
    count = Math.max(count, ctx.quotes.length);
  }
  count = Math.min(count, max);
  const result: unknown[] = [];
  for (let i = 0; i < count; i++)
    result.push(synthesizeValue(items, ctx, singular(name), depth + 1));
  return result;
}

function singular(name: string): string {
  return name.length > 3 && name.endsWith('s') ? name.slice(0, -1) : name;
}

function synthesizeNumber(s: JsonSchema, ctx: SynthesisContext, integer: boolean): number {
  const low =
    s.minimum ??
    (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 0.5) : undefined);
  const high =
    s.maximum ??
    (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 0.5) : undefined);
  let value: number;
  const fromPrompt = ctx.numbers.findIndex(
    (n) =>
      (low === undefined || n >= low) &&
      (high === undefined || n <= high) &&
      (!integer || Number.isInteger(n)),
  );
  if (fromPrompt >= 0) value = ctx.numbers.splice(fromPrompt, 1)[0]!;
  else if (low !== undefined) value = low;
  else if (high !== undefined && high < 1) value = high;
  else value = 1;
  if (integer)
    value = low !== undefined && Math.round(value) < low ? Math.ceil(value) : Math.round(value);
  if (high !== undefined && value > high) value = integer ? Math.floor(high) : high;
  return value;
}

function synthesizeString(s: JsonSchema, ctx: SynthesisContext, name: string): string {
  let value: string;
  switch (s.format) {
    case 'date-time':
      value = '2025-01-15T09:30:00Z';
      break;
    case 'date':
      value = '2025-01-15';
      break;
    case 'time':
      value = '09:30:00';
      break;
    case 'email':
      value = 'user@example.com';
      break;
    case 'uri':
    case 'url':
      value = 'https://example.com';
      break;
    case 'uuid':
      value = '00000000-0000-4000-8000-000000000000';
      break;
    case 'hostname':
      value = 'example.com';
      break;
    case 'ipv4':
      value = '127.0.0.1';
      break;
    default:
      value = ctx.quotes.shift() ?? textFor(name, ctx);
  }
  if (s.minLength !== undefined && value.length < s.minLength) {
    value = value.padEnd(s.minLength, value.length > 0 ? value : 'x');
  }
  if (s.maxLength !== undefined && value.length > s.maxLength) value = value.slice(0, s.maxLength);
  return value;
}

function textFor(name: string, ctx: SynthesisContext): string {
  if (textLikeNames.test(name)) {
    const text = ctx.facts.text.trim();
    return text.length > 200 ? text.slice(0, 200) : text || name;
  }
  const terms = ctx.facts.keyTerms;
  if (terms.length === 0) return `example ${name.replace(/_/g, ' ')}`;
  const index = ctx.termIndex ?? 0;
  ctx.termIndex = index + 1;
  return terms[index % terms.length]!;
}
