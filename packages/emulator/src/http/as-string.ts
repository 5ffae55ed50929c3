/** `value` when it is a string, else `fallback`; for reading validated JSON without `String(object)`. */
export function asString(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}
