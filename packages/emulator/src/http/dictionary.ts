/**
 * A plain object without a prototype, for keys that come from requests: every string, `__proto__`
 * and `constructor` included, is an ordinary own key, nothing is inherited, and `JSON.stringify`
 * serialises it like any object.
 */
export function dictionary<T>(entries: Iterable<readonly [string, T]> = []): Record<string, T> {
  const result = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) result[key] = value;
  return result;
}

/** The value of an own property of `object`, never an inherited one. */
export function ownValue(object: object | null | undefined, key: string): unknown {
  return object !== null && object !== undefined && Object.hasOwn(object, key)
    ? (object as Record<string, unknown>)[key]
    : undefined;
}
