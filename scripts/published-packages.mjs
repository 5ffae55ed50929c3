// The packages this repository publishes: every packages/* whose package.json is not private.
// Shared by `pnpm check:packages`, `pnpm release:dry-run` and the consumer smoke test.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

/** @returns {Array<{ dir: string, manifest: Record<string, any> }>} */
export function publishedPackages() {
  const packagesDir = join(root, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(packagesDir, entry.name))
    .flatMap((dir) => {
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      } catch {
        return [];
      }
      return manifest.private ? [] : [{ dir, manifest }];
    });
}
