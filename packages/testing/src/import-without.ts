import { spawnSync } from 'node:child_process';

export interface ImportOutcome {
  /** True when every specifier was imported without touching a forbidden package. */
  ok: boolean;
  /** The export names of each imported module, when `ok`. */
  exports: Record<string, string[]>;
  /** What went wrong: the forbidden package that was reached, or the import error. */
  error: string;
}

/**
 * Imports `specifiers` in a fresh Node process (from `cwd`) with a module resolve hook that
 * refuses the packages in `forbidden`: the import fails as soon as anything in the graph asks
 * for one of them, statically or dynamically. Proves that an entry point does not load an
 * optional peer dependency (a native module, a Redis client) that its users may not have.
 */
export function importWithout(
  specifiers: string[],
  forbidden: string[],
  cwd: string,
): ImportOutcome {
  const hook = `
const forbidden = ${JSON.stringify(forbidden)};
export async function resolve(specifier, context, next) {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  const result = await next(specifier, context);
  if (forbidden.includes(name) || forbidden.some((f) => result.url.includes('/node_modules/' + f + '/'))) {
    throw new Error('FORBIDDEN ' + name + ' imported by ' + (context.parentURL ?? 'the entry'));
  }
  return result;
}`;
  const main = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const exports = {};
for (const specifier of ${JSON.stringify(specifiers)}) {
  exports[specifier] = Object.keys(await import(specifier)).sort();
}
process.stdout.write(JSON.stringify(exports));
`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', main], {
    cwd,
    encoding: 'utf8',
  });
  if (child.status === 0) {
    return { ok: true, exports: JSON.parse(child.stdout) as Record<string, string[]>, error: '' };
  }
  const forbiddenLine = /FORBIDDEN [^\n]*/.exec(child.stderr)?.[0];
  return { ok: false, exports: {}, error: forbiddenLine ?? child.stderr.trim() };
}
