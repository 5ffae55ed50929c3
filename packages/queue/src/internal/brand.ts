/**
 * Errors carry a registered-symbol brand per class (the scheme core uses), so that `isInstance`
 * recognises them even when two copies of this package are loaded.
 */
export function brand(target: object, name: string): void {
  Object.defineProperty(target, Symbol.for(`mistral-flows.error.${name}`), { value: true });
}

export function hasBrand(value: unknown, name: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Symbol.for(`mistral-flows.error.${name}`) in value
  );
}
