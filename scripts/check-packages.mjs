// `pnpm check:packages`: lints what each published package would put on the registry.
// - the package.json fields a stranger's install relies on (repository, license file, engines...)
// - publint: exports, files and fields as npm and bundlers read them
// - attw (Are the Types Wrong): the types resolve for every entry point under Node ESM and bundlers
// Run after `pnpm build`: both tools look at the packed tarball, so dist must exist.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publishedPackages, root } from './published-packages.mjs';

const REQUIRED = [
  'repository',
  'homepage',
  'bugs',
  'files',
  'engines',
  'sideEffects',
  'publishConfig',
];
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const problems = [];

for (const { dir, manifest } of publishedPackages()) {
  const where = relative(root, dir);
  console.log(`\n== ${manifest.name} (${where})`);
  for (const field of REQUIRED) {
    if (manifest[field] === undefined)
      problems.push(`${manifest.name}: package.json has no "${field}"`);
  }
  if (manifest.repository?.directory !== where) {
    problems.push(`${manifest.name}: repository.directory should be "${where}"`);
  }
  if (!manifest.files?.includes('LICENSE'))
    problems.push(`${manifest.name}: "files" lacks LICENSE`);
  let copy = '';
  try {
    copy = readFileSync(join(dir, 'LICENSE'), 'utf8');
  } catch {
    // reported below
  }
  if (copy !== license)
    problems.push(`${manifest.name}: LICENSE is missing or differs from the root LICENSE`);
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--profile', 'esm-only']],
  ]) {
    try {
      process.stdout.write(
        execFileSync(bin(tool), args, {
          cwd: dir,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
    } catch (error) {
      process.stdout.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
      problems.push(`${manifest.name}: ${tool} failed`);
    }
  }
}

if (problems.length > 0) {
  console.error(`\n${problems.length} packaging problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('\nEvery published package passes publint and attw.');
