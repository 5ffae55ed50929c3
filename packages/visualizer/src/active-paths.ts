/**
 * The paths (`'parent.child'`) of every active state for a snapshot `value`, the root (`''`)
 * first. `'a'` gives `['', 'a']`; `{ p: { r1: 'x', r2: 'y' } }` gives
 * `['', 'p', 'p.r1', 'p.r1.x', 'p.r2', 'p.r2.y']`.
 */
export function activePaths(value: unknown): string[] {
  const paths = [''];
  const walk = (current: unknown, prefix: string): void => {
    if (typeof current === 'string') {
      paths.push(prefix === '' ? current : `${prefix}.${current}`);
      return;
    }
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return;
    for (const [key, child] of Object.entries(current)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      paths.push(path);
      walk(child, path);
    }
  };
  walk(value, '');
  return paths;
}
