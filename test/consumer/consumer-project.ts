import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publishedPackages } from '../../scripts/published-packages.mjs';

/**
 * Projects that install the packed packages the way a stranger would: `pnpm pack` every published
 * package into a temporary directory, then `npm install` the tarballs into a project outside the
 * workspace. Other tests (a README's first example, for instance) run code in these projects:
 *
 * @example
 * const consumer = consumerProject('full');
 * consumer.node('import { FileStore } from "@mistral-flows/core"; ...');
 * consumer.dir; // the project directory; consumer.tarballs: package name -> .tgz path
 *
 * Projects are cached under the OS temporary directory by a hash of the tarballs and the project
 * manifest, so a second test file (or a second run with unchanged packages) reuses the install.
 */
export const root = resolve(import.meta.dirname, '..', '..');

export interface PackedPackage {
  name: string;
  version: string;
  /** The package directory in the workspace. */
  dir: string;
  /** The `.tgz` that `pnpm pack` made. */
  tarball: string;
  manifest: Record<string, unknown> & { exports?: Record<string, unknown> };
}

export interface ConsumerProject {
  /** The project directory (outside the workspace), with its node_modules installed by npm. */
  dir: string;
  /** Every packed package by name (whether or not this project installed it). */
  tarballs: Map<string, string>;
  /** The packages of ours this project installed. */
  installed: string[];
  /** Runs an ES module given as text in the project (stdout returned; throws with stderr). */
  node(source: string, env?: Record<string, string>): string;
  /** Runs a command in the project. */
  run(command: string, args: string[]): string;
}

/**
 * `full`: every published package, with every peer dependency (tested versions) and the optional
 * ones (better-sqlite3, ioredis, pg, the MCP SDK). `stream-core`: only `@mistral-flows/stream` and
 * `@mistral-flows/core` with their required peers, as a user of streams alone installs them.
 */
export type ConsumerKind = 'full' | 'stream-core';

let packed: PackedPackage[] | undefined;

/** Packs every published package once per process (the workspace must be built). */
export function packPublished(): PackedPackage[] {
  if (packed) return packed;
  const packDir = join(tmpdir(), `mistral-flows-tarballs-${process.pid}`);
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  process.once('exit', () => rmSync(packDir, { recursive: true, force: true }));
  packed = publishedPackages().map(({ dir, manifest }) => {
    const out = run('pnpm', ['pack', '--pack-destination', packDir], dir).trim().split('\n').pop()!;
    return {
      name: manifest.name as string,
      version: manifest.version as string,
      dir,
      tarball: out.startsWith('/') ? out : join(packDir, out),
      manifest,
    };
  });
  return packed;
}

/** The versions the workspace tests with: what a consumer pins for our peers. */
export function testedVersion(name: string): string {
  for (const manifest of [
    join(root, 'packages', 'core', 'package.json'),
    join(root, 'packages', 'agents', 'package.json'),
    join(root, 'package.json'),
  ]) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as {
      devDependencies?: Record<string, string>;
    };
    const version = m.devDependencies?.[name];
    if (version) return version;
  }
  throw new Error(`no tested version of ${name} in the workspace`);
}

const projects = new Map<ConsumerKind, ConsumerProject>();

export function consumerProject(kind: ConsumerKind): ConsumerProject {
  const cached = projects.get(kind);
  if (cached) return cached;
  const all = packPublished();
  const ours =
    kind === 'full'
      ? all
      : all.filter((p) => p.name === '@mistral-flows/core' || p.name === '@mistral-flows/stream');
  const peers =
    kind === 'full'
      ? [
          '@mistralai/mistralai',
          '@modelcontextprotocol/sdk',
          'rxjs',
          'xstate',
          'zod',
          'better-sqlite3',
          'ioredis',
          'pg',
        ]
      : ['@mistralai/mistralai', 'rxjs'];
  const dependencies: Record<string, string> = {};
  for (const p of ours) dependencies[p.name] = `file:${p.tarball}`;
  for (const name of peers) dependencies[name] = testedVersion(name);
  const manifest = {
    name: `consumer-${kind}`,
    private: true,
    type: 'module',
    dependencies,
    devDependencies: {
      '@types/node': testedVersion('@types/node'),
      typescript: testedVersion('typescript'),
    },
    // Our packages depend on each other by version range: resolve those to the tarballs too,
    // never to the registry.
    overrides: Object.fromEntries(ours.map((p) => [p.name, `$${p.name}`])),
  };
  const hash = createHash('sha256');
  for (const p of ours) hash.update(readFileSync(p.tarball));
  hash.update(JSON.stringify({ ...manifest, dependencies: Object.keys(dependencies) }));
  const digest = hash.digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `mistral-flows-consumer-${kind}-${digest}`);
  const ready = join(dir, '.installed');
  if (!existsSync(ready)) {
    // Older projects of this kind were made from other tarballs: not needed any more.
    for (const name of readdirSync(tmpdir())) {
      if (name.startsWith(`mistral-flows-consumer-${kind}-`)) {
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
      }
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // Install scripts are skipped: better-sqlite3 would compile for a minute. Its addon loads
    // only when a database opens, and the workspace already built it for this very Node.
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      dir,
    );
    if (peers.includes('better-sqlite3')) copySqliteAddon(dir);
    writeFileSync(ready, new Date().toISOString());
  }
  const project: ConsumerProject = {
    dir,
    tarballs: new Map(all.map((p) => [p.name, p.tarball])),
    installed: ours.map((p) => p.name),
    node: (source, env = {}) =>
      run(process.execPath, ['--input-type=module', '-e', source], dir, env),
    run: (command, args) => run(command, args, dir),
  };
  projects.set(kind, project);
  return project;
}

function copySqliteAddon(dir: string): void {
  const relative = join('build', 'Release', 'better_sqlite3.node');
  const workspaceCopy = join(root, 'packages', 'core', 'node_modules', 'better-sqlite3', relative);
  const target = join(dir, 'node_modules', 'better-sqlite3', relative);
  mkdirSync(join(target, '..'), { recursive: true });
  copyFileSync(workspaceCopy, target);
}

/** Every installed copy of a package under `dir`'s node_modules, as paths of its package.json. */
export function installedCopies(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (modules: string) => {
    let entries: string[];
    try {
      entries = readdirSync(modules);
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@')
        ? readdirSync(join(modules, entry)).map((child) => join(modules, entry, child))
        : [join(modules, entry)];
      for (const packageDir of dirs) {
        try {
          const m = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
            name?: string;
          };
          if (m.name === name) found.push(join(packageDir, 'package.json'));
        } catch {
          // not a package
        }
        walk(join(packageDir, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(' ').slice(0, 200)} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
    );
  }
}
