import type { JsonSchema, ValidationIssue } from './schema-types.js';

type Loc = (string | number)[];

/**
 * Validates `value` against `schema` the way the real API's pydantic models do, and returns the
 * problems as 422 `detail` items (`missing`, `extra_forbidden`, `string_type`, `union_tag_invalid`,
 * ...). `defs` resolves `$ref` names. An empty array means the value is valid.
 *
 * Unions (`anyOf`, `oneOf` without a discriminator) report the problems of the closest branch
 * instead of one error per branch, which keeps the messages readable.
 */
export function validateSchema(
  schema: JsonSchema,
  value: unknown,
  defs: Record<string, JsonSchema>,
  loc: Loc = ['body'],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  check(schema, value, loc, issues, defs);
  return issues;
}

const merged = new WeakMap<JsonSchema, JsonSchema>();

function resolve(schema: JsonSchema, defs: Record<string, JsonSchema>): JsonSchema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined && depth < 32; depth++) {
    const target = defs[current.$ref];
    if (target === undefined) return {};
    current = target;
  }
  if (current.allOf === undefined) return current;
  const cached = merged.get(current);
  if (cached) return cached;
  const result: JsonSchema = {
    ...current,
    allOf: undefined,
    properties: { ...current.properties },
  };
  const required = new Set(current.required ?? []);
  for (const part of current.allOf) {
    const r = resolve(part, defs);
    Object.assign(result.properties!, r.properties);
    for (const name of r.required ?? []) required.add(name);
    if (r.additionalProperties === false) result.additionalProperties = false;
    if (r.type !== undefined) result.type ??= r.type;
  }
  result.required = [...required];
  merged.set(current, result);
  return result;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeAccepts(type: string, value: unknown): boolean {
  const actual = jsonType(value);
  if (type === actual) return true;
  return type === 'number' && actual === 'integer';
}

function quote(values: unknown[]): string {
  const parts = values.map((v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v)));
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

const typeErrors: Record<string, [string, string]> = {
  string: ['string_type', 'Input should be a valid string'],
  integer: ['int_type', 'Input should be a valid integer'],
  number: ['float_type', 'Input should be a valid number'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  object: ['dict_type', 'Input should be a valid dictionary'],
  array: ['list_type', 'Input should be a valid list'],
  null: ['none_required', 'Input should be None'],
};

/** The JSON types a schema can accept at its top level, or undefined when it does not say. */
function acceptedTypes(schema: JsonSchema, defs: Record<string, JsonSchema>): string[] | undefined {
  const s = resolve(schema, defs);
  if (s.type !== undefined) return Array.isArray(s.type) ? s.type : [s.type];
  if (s.const !== undefined)
    return [jsonType(s.const) === 'integer' ? 'number' : jsonType(s.const)];
  const branches = s.anyOf ?? s.oneOf;
  if (branches) {
    const types: string[] = [];
    for (const branch of branches) {
      const t = acceptedTypes(branch, defs);
      if (t === undefined) return undefined;
      types.push(...t);
    }
    return types;
  }
  if (s.properties !== undefined) return ['object'];
  return undefined;
}

function check(
  raw: JsonSchema,
  value: unknown,
  loc: Loc,
  issues: ValidationIssue[],
  defs: Record<string, JsonSchema>,
): void {
  const schema = resolve(raw, defs);

  if (schema.oneOf && schema.discriminator) {
    checkTagged(schema, value, loc, issues, defs);
    return;
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    checkUnion(branches, value, loc, issues, defs);
    return;
  }

  if (schema.const !== undefined && value !== schema.const) {
    issues.push({
      type: 'literal_error',
      loc,
      msg: `Input should be ${quote([schema.const])}`,
      input: value,
    });
    return;
  }
  const types =
    schema.type === undefined
      ? undefined
      : Array.isArray(schema.type)
        ? schema.type
        : [schema.type];
  if (types !== undefined && !types.some((t) => typeAccepts(t, value))) {
    issues.push(typeError(types.find((t) => t !== 'null') ?? types[0]!, value, loc));
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    issues.push({ type: 'enum', loc, msg: `Input should be ${quote(schema.enum)}`, input: value });
    return;
  }

  if (typeof value === 'number') checkNumber(schema, value, loc, issues);
  else if (typeof value === 'string') checkString(schema, value, loc, issues);
  else if (Array.isArray(value)) checkArray(schema, value, loc, issues, defs);
  else if (typeof value === 'object' && value !== null) {
    checkObject(schema, value as Record<string, unknown>, loc, issues, defs);
  }
}

function checkNumber(schema: JsonSchema, value: number, loc: Loc, issues: ValidationIssue[]): void {
  if (schema.minimum !== undefined && value < schema.minimum) {
    issues.push({
      type: 'greater_than_equal',
      loc,
      msg: `Input should be greater than or equal to ${schema.minimum}`,
      input: value,
    });
  } else if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    issues.push({
      type: 'greater_than',
      loc,
      msg: `Input should be greater than ${schema.exclusiveMinimum}`,
      input: value,
    });
  } else if (schema.maximum !== undefined && value > schema.maximum) {
    issues.push({
      type: 'less_than_equal',
      loc,
      msg: `Input should be less than or equal to ${schema.maximum}`,
      input: value,
    });
  } else if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    issues.push({
      type: 'less_than',
      loc,
      msg: `Input should be less than ${schema.exclusiveMaximum}`,
      input: value,
    });
  }
}

const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function checkString(schema: JsonSchema, value: string, loc: Loc, issues: ValidationIssue[]): void {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (schema.minLength !== undefined && value.length < schema.minLength) {
    issues.push({
      type: 'string_too_short',
      loc,
      msg: `String should have at least ${plural(schema.minLength, 'character')}`,
      input: value,
    });
  } else if (schema.maxLength !== undefined && value.length > schema.maxLength) {
    issues.push({
      type: 'string_too_long',
      loc,
      msg: `String should have at most ${plural(schema.maxLength, 'character')}`,
      input: value,
    });
  } else if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    issues.push({
      type: 'string_pattern_mismatch',
      loc,
      msg: `String should match pattern '${schema.pattern}'`,
      input: value,
    });
  } else if (schema.format === 'uuid' && !uuidPattern.test(value)) {
    issues.push({ type: 'uuid_parsing', loc, msg: 'Input should be a valid UUID', input: value });
  }
}

function checkArray(
  schema: JsonSchema,
  value: unknown[],
  loc: Loc,
  issues: ValidationIssue[],
  defs: Record<string, JsonSchema>,
): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    issues.push({
      type: 'too_short',
      loc,
      msg: `List should have at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'} after validation, not ${value.length}`,
      input: value,
    });
    return;
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    issues.push({
      type: 'too_long',
      loc,
      msg: `List should have at most ${schema.maxItems} item${schema.maxItems === 1 ? '' : 's'} after validation, not ${value.length}`,
      input: value,
    });
    return;
  }
  for (let i = 0; i < value.length; i++) {
    const itemSchema = schema.prefixItems?.[i] ?? schema.items;
    if (itemSchema !== undefined) check(itemSchema, value[i], [...loc, i], issues, defs);
  }
}

function checkObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  loc: Loc,
  issues: ValidationIssue[],
  defs: Record<string, JsonSchema>,
): void {
  const properties = schema.properties ?? {};
  for (const name of schema.required ?? []) {
    if (!(name in value)) {
      issues.push({ type: 'missing', loc: [...loc, name], msg: 'Field required', input: value });
    }
  }
  for (const [key, item] of Object.entries(value)) {
    // Own keys only: a body field named `constructor` or `__proto__` is an unknown field.
    const propSchema = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (propSchema !== undefined) {
      check(propSchema, item, [...loc, key], issues, defs);
      continue;
    }
    if (schema.propertyNames !== undefined) {
      check({ ...schema.propertyNames, type: 'string' }, key, [...loc, key, '[key]'], issues, defs);
    }
    if (schema.additionalProperties === false) {
      issues.push({
        type: 'extra_forbidden',
        loc: [...loc, key],
        msg: 'Extra inputs are not permitted',
        input: item,
      });
    } else if (typeof schema.additionalProperties === 'object') {
      check(schema.additionalProperties, item, [...loc, key], issues, defs);
    }
  }
}

function checkTagged(
  schema: JsonSchema,
  value: unknown,
  loc: Loc,
  issues: ValidationIssue[],
  defs: Record<string, JsonSchema>,
): void {
  const { propertyName, mapping = {} } = schema.discriminator!;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.push({
      type: 'model_attributes_type',
      loc,
      msg: 'Input should be a valid dictionary or object to extract fields from',
      input: value,
    });
    return;
  }
  const tag = (value as Record<string, unknown>)[propertyName];
  if (tag === undefined) {
    issues.push({
      type: 'union_tag_not_found',
      loc,
      msg: `Unable to extract tag using discriminator '${propertyName}'`,
      input: value,
    });
    return;
  }
  const target = typeof tag === 'string' && Object.hasOwn(mapping, tag) ? mapping[tag] : undefined;
  if (target === undefined) {
    issues.push({
      type: 'union_tag_invalid',
      loc,
      msg: `Input tag '${typeof tag === 'string' ? tag : JSON.stringify(tag)}' found using '${propertyName}' does not match any of the expected tags: ${Object.keys(
        mapping,
      )
        .map((t) => `'${t}'`)
        .join(', ')}`,
      input: value,
    });
    return;
  }
  check({ $ref: target }, value, [...loc, tag as string], issues, defs);
}

function checkUnion(
  branches: JsonSchema[],
  value: unknown,
  loc: Loc,
  issues: ValidationIssue[],
  defs: Record<string, JsonSchema>,
): void {
  let best: ValidationIssue[] | undefined;
  for (const branch of branches) {
    const types = acceptedTypes(branch, defs);
    if (types !== undefined && !types.some((t) => typeAccepts(t, value))) continue;
    const attempt: ValidationIssue[] = [];
    check(branch, value, loc, attempt, defs);
    if (attempt.length === 0) return;
    if (best === undefined || attempt.length < best.length) best = attempt;
  }
  if (best !== undefined) {
    issues.push(...best);
    return;
  }
  const first = branches
    .map((b) => acceptedTypes(b, defs)?.find((t) => t !== 'null'))
    .find(Boolean);
  issues.push(typeError(first ?? 'object', value, loc));
}

function typeError(expected: string, value: unknown, loc: Loc): ValidationIssue {
  if (expected === 'integer' && typeof value === 'number') {
    return {
      type: 'int_from_float',
      loc,
      msg: 'Input should be a valid integer, got a number with a fractional part',
      input: value,
    };
  }
  const [type, msg] = typeErrors[expected] ?? ['type_error', `Input should be of type ${expected}`];
  return { type, loc, msg, input: value };
}
