/**
 * Errors carry a registered-symbol brand per class, so that `isInstance` recognises them even when
 * two copies of a package are loaded (where `instanceof` fails). Core exports these as
 * `brandError` and `hasErrorBrand` for the error classes of the other packages.
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
