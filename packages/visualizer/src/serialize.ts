import { isSecretKey, REDACTED, redactText } from './secret-key.js';

/** A JSON value. Values JSON cannot hold are tagged objects with a `$type` (see `serialize`). */
export type SerializedValue =
  null | boolean | number | string | SerializedValue[] | { [key: string]: SerializedValue };

export interface SerializeOptions {
  /** Nesting below this depth becomes `{ $type: 'max-depth' }` (default 12). */
  maxDepth?: number;
  /** Array items and object keys kept per level (default 500); the rest are counted. */
  maxKeys?: number;
  /** Longer strings are cut, with a note of how much was cut (default 100,000 characters). */
  maxStringLength?: number;
  /** Approximate total characters of output; past it values become `{ $type: 'truncated' }` (default 1,000,000). */
  maxSize?: number;
  /** Property names whose values are replaced by `'[REDACTED]'` (default `isSecretKey`). */
  isSecretKey?: (key: string) => boolean;
}

interface Budget {
  remaining: number;
}

/**
 * Turns any value (an actor's context, an event, an error) into JSON that is safe to send to a
 * browser: cycles, functions, symbols, bigints, `undefined`, `Map`/`Set`, binary data, actor refs
 * and errors become tagged objects (`{ $type: 'circular' }`, `{ $type: 'function', name }`,
 * `{ $type: 'bigint', value }`, `{ $type: 'actor', id }`, `{ $type: 'error', name, message }`,
 * ...), depth, breadth, string length and total size are bounded, getters that throw are caught,
 * and secrets never leave: values of properties named like `apiKey`, `authorization`, `secret`,
 * `token` or `password` become `'[REDACTED]'`, and `Bearer` credentials are cut out of strings.
 *
 * @example
 * ```ts
 * serialize({ apiKey: 'sk', user: { name: 'Ada' }, load: () => 1 });
 * // { apiKey: '[REDACTED]', user: { name: 'Ada' }, load: { $type: 'function', name: 'load' } }
 * ```
 */
export function serialize(value: unknown, options: SerializeOptions = {}): SerializedValue {
  const settings: Required<SerializeOptions> = {
    maxDepth: options.maxDepth ?? 12,
    maxKeys: options.maxKeys ?? 500,
    maxStringLength: options.maxStringLength ?? 100_000,
    maxSize: options.maxSize ?? 1_000_000,
    isSecretKey: options.isSecretKey ?? isSecretKey,
  };
  return walk(value, 0, new Set(), { remaining: settings.maxSize }, settings);
}

function walk(
  value: unknown,
  depth: number,
  ancestors: Set<object>,
  budget: Budget,
  settings: Required<SerializeOptions>,
): SerializedValue {
  if (budget.remaining <= 0) return { $type: 'truncated' };
  switch (typeof value) {
    case 'string':
      return walkString(value, budget, settings);
    case 'number':
      budget.remaining -= 8;
      return Number.isFinite(value) ? value : { $type: 'number', value: String(value) };
    case 'boolean':
      budget.remaining -= 5;
      return value;
    case 'undefined':
      budget.remaining -= 8;
      return { $type: 'undefined' };
    case 'bigint':
      budget.remaining -= 16;
      return { $type: 'bigint', value: value.toString() };
    case 'symbol':
      budget.remaining -= 16;
      return { $type: 'symbol', description: value.description ?? '' };
    case 'function':
      budget.remaining -= 16;
      return { $type: 'function', name: value.name };
    case 'object':
      break;
  }
  if (value === null) return null;
  const object = value;
  if (ancestors.has(object)) return { $type: 'circular' };
  if (isActorRef(object)) return { $type: 'actor', id: object.id };
  if (object instanceof Date) {
    return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  }
  if (object instanceof RegExp) return { $type: 'regexp', source: object.toString() };
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return { $type: 'binary', name: object.constructor.name, byteLength: object.byteLength };
  }
  if (object instanceof Promise) return { $type: 'promise' };
  if (depth >= settings.maxDepth) return { $type: 'max-depth' };

  ancestors.add(object);
  try {
    if (object instanceof Error) return walkError(object, depth, ancestors, budget, settings);
    if (Array.isArray(object)) {
      return walkItems(object, depth, ancestors, budget, settings);
    }
    if (object instanceof Map) {
      const entries: SerializedValue[] = [];
      let omitted = 0;
      for (const [key, item] of object) {
        if (entries.length >= settings.maxKeys || budget.remaining <= 0) {
          omitted++;
          continue;
        }
        const secret = typeof key === 'string' && settings.isSecretKey(key) && item != null;
        entries.push([
          walk(key, depth + 1, ancestors, budget, settings),
          secret ? REDACTED : walk(item, depth + 1, ancestors, budget, settings),
        ]);
      }
      return omitted > 0 ? { $type: 'map', entries, omitted } : { $type: 'map', entries };
    }
    if (object instanceof Set) {
      return { $type: 'set', values: walkItems([...object], depth, ancestors, budget, settings) };
    }
    return walkObject(object, depth, ancestors, budget, settings);
  } finally {
    ancestors.delete(object);
  }
}

function walkString(
  value: string,
  budget: Budget,
  settings: Required<SerializeOptions>,
): SerializedValue {
  const clean = redactText(value);
  const limit = Math.min(settings.maxStringLength, Math.max(budget.remaining, 0));
  budget.remaining -= Math.min(clean.length, limit) + 2;
  if (clean.length <= limit) return clean;
  return `${clean.slice(0, limit)}… [${clean.length - limit} more characters]`;
}

function walkItems(
  items: readonly unknown[],
  depth: number,
  ancestors: Set<object>,
  budget: Budget,
  settings: Required<SerializeOptions>,
): SerializedValue[] {
  const out: SerializedValue[] = [];
  const kept = Math.min(items.length, settings.maxKeys);
  for (let i = 0; i < kept && budget.remaining > 0; i++) {
    out.push(walk(items[i], depth + 1, ancestors, budget, settings));
  }
  if (out.length < items.length)
    out.push({ $type: 'truncated', omitted: items.length - out.length });
  return out;
}

function walkObject(
  object: object,
  depth: number,
  ancestors: Set<object>,
  budget: Budget,
  settings: Required<SerializeOptions>,
): SerializedValue {
  const out: Record<string, SerializedValue> = {};
  const keys = Object.keys(object);
  let kept = 0;
  for (const key of keys) {
    if (kept >= settings.maxKeys || budget.remaining <= 0) break;
    kept++;
    budget.remaining -= key.length + 4;
    let item: unknown;
    try {
      item = (object as Record<string, unknown>)[key];
    } catch {
      out[key] = { $type: 'thrown' };
      continue;
    }
    out[key] =
      settings.isSecretKey(key) && item != null && item !== ''
        ? REDACTED
        : walk(item, depth + 1, ancestors, budget, settings);
  }
  if (kept < keys.length) out['…'] = { $type: 'truncated', omitted: keys.length - kept };
  return out;
}

function walkError(
  error: Error,
  depth: number,
  ancestors: Set<object>,
  budget: Budget,
  settings: Required<SerializeOptions>,
): SerializedValue {
  const out: Record<string, SerializedValue> = {
    $type: 'error',
    name: walkString(String(error.name), budget, settings),
    message: walkString(String(error.message), budget, settings),
  };
  const { code, status, cause } = error as { code?: unknown; status?: unknown; cause?: unknown };
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (typeof status === 'number') out.status = status;
  if (cause !== undefined) out.cause = walk(cause, depth + 1, ancestors, budget, settings);
  return out;
}

interface ActorRefShape {
  id: string;
  send: unknown;
  getSnapshot: unknown;
}

function isActorRef(object: object): object is ActorRefShape {
  const candidate = object as Partial<ActorRefShape>;
  return (
    typeof candidate.id === 'string' &&
    typeof candidate.send === 'function' &&
    typeof candidate.getSnapshot === 'function'
  );
}
