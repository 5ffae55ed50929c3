// `pnpm release:dry-run`: everything a release does except publishing and committing.
// 1. `changeset version` on a throwaway copy of the working tree: the pending changesets must
//    apply, and the versions they would give are printed.
// 2. Build the packages, then `pnpm publish --dry-run` each published package: what npm would
//    receive, packed from this tree, with workspace ranges rewritten.
// The git tree is left as it was; the script fails when it is not.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { publishedPackages, root } from './published-packages.mjs';

const step = (text) => console.log(`\n== ${text}`);
const run = (command, args, cwd, quiet = false) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', 'inherit'],
    env: { ...process.env, CI: 'true' },
  });

const statusBefore = run('git', ['status', '--porcelain'], root, true);

step('changeset version on a throwaway copy');
const copy = mkdtempSync(join(tmpdir(), 'mistral-flows-release-'));
try {
  const files = run('git', ['ls-files', '-co', '--exclude-standard', '-z'], root, true)
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    try {
      cpSync(join(root, file), join(copy, file), { recursive: false });
    } catch (error) {
      if (error.code !== 'ENOENT') throw error; // deleted in the tree but still in the index
    }
  }
  const pending = files.filter((f) => f.startsWith('.changeset/') && f.endsWith('.md')).length;
  console.log(`${pending} file(s) in .changeset/ (README included)`);
  run(join(root, 'node_modules', '.bin', 'changeset'), ['version'], copy);
  for (const { dir, manifest } of publishedPackages()) {
    const next = JSON.parse(readFileSync(join(copy, relative(root, dir), 'package.json'), 'utf8'));
    console.log(`${manifest.name}: ${manifest.version} -> ${next.version}`);
  }
} finally {
  rmSync(copy, { recursive: true, force: true });
}

step('build');
run(
  'pnpm',
  ['exec', 'turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'],
  root,
);

for (const { dir, manifest } of publishedPackages()) {
  step(`pnpm publish --dry-run ${manifest.name}`);
  run('pnpm', ['publish', '--dry-run', '--no-git-checks', '--access', 'public'], dir);
}

const statusAfter = run('git', ['status', '--porcelain'], root, true);
if (statusAfter !== statusBefore) {
  console.error(`\nThe dry run changed the git tree:\n${statusAfter}`);
  process.exit(1);
}
step('dry run done; nothing was published and the git tree is as it was');
