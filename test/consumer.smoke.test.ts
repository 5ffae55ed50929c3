import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Installs the packages the way a user would: `pnpm pack` every publishable package, install the
 * tarballs into a project outside the workspace, import each entry point with Node and typecheck a
 * consumer file against the published types. It catches what workspace links hide: a missing
 * file in `files`, an `exports` map pointing nowhere, a dependency only declared in the root.
 */
const root = resolve(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
}

const publishable = readdirSync(packagesDir)
  .map((dir) => ({ dir: join(packagesDir, dir), manifest: readManifest(join(packagesDir, dir)) }))
  .filter(
    (p): p is { dir: string; manifest: Manifest } =>
      p.manifest !== undefined && !p.manifest.private,
  );

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
  });

describe('published packages', () => {
  let work: string;
  let consumer: string;
  const tarballs = new Map<string, string>();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'mistral-flows-consumer-'));
    const packDir = join(work, 'tarballs');
    mkdirSync(packDir);
    for (const { dir, manifest } of publishable) {
      const out = run('pnpm', ['pack', '--pack-destination', packDir], dir)
        .trim()
        .split('\n')
        .pop()!;
      tarballs.set(manifest.name, out.startsWith('/') ? out : join(packDir, out));
    }
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    const files = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify(
        {
          name: 'consumer',
          private: true,
          type: 'module',
          dependencies: files,
          devDependencies: { '@types/node': readRootDevDependency('@types/node') },
          pnpm: { overrides: files, onlyBuiltDependencies: ['better-sqlite3', 'esbuild'] },
        },
        null,
        2,
      ),
    );
    run(
      'pnpm',
      ['install', '--prefer-offline', '--ignore-workspace', '--reporter=silent'],
      consumer,
    );
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs every publishable package with a README and only built files', () => {
    expect(publishable.length).toBeGreaterThan(0);
    for (const { dir, manifest } of publishable) {
      const listing = run('tar', ['-tzf', tarballs.get(manifest.name)!], dir);
      expect(listing, manifest.name).toContain('package/README.md');
      expect(listing, manifest.name).toContain('package/dist/index.js');
      expect(listing, manifest.name).toContain('package/dist/index.d.ts');
      expect(listing, manifest.name).not.toMatch(/package\/src\//);
      expect(listing, manifest.name).not.toMatch(/\.test\.(js|d\.ts)/);
      const packed = JSON.parse(
        run('tar', ['-xzOf', tarballs.get(manifest.name)!, 'package/package.json'], dir),
      ) as Manifest;
      expect(JSON.stringify(packed.dependencies ?? {}), manifest.name).not.toContain('workspace:');
    }
  });

  it('imports every entry point with Node, outside the workspace', () => {
    for (const { manifest } of publishable) {
      const script = `const m = await import(${JSON.stringify(manifest.name)}); console.log(Object.keys(m).length);`;
      const count = Number(
        run(process.execPath, ['--input-type=module', '-e', script], consumer).trim(),
      );
      expect(count, `${manifest.name} exports`).toBeGreaterThan(0);
    }
  });

  it('typechecks a consumer file against the published types', () => {
    const imports = publishable
      .map(
        ({ manifest }, i) =>
          `import * as pkg${i} from '${manifest.name}';\nexport const keys${i}: string[] = Object.keys(pkg${i});`,
      )
      .join('\n');
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `${imports}
import { createClient, mapConcurrent, MemoryStore, type Settled, type MistralFlowsEvents } from '@mistral-flows/core';
export async function use(): Promise<Array<Settled<number>>> {
  const store = new MemoryStore();
  await store.set('k', { a: 1 });
  const event: MistralFlowsEvents['chat:chunk'] = { requestId: 'r', content: 'x', index: 0 };
  void event;
  void createClient;
  return mapConcurrent([1, 2, 3], async (n) => n * 2, { concurrency: 2 });
}
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      run(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer);
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`consumer typecheck failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  });
});

function readRootDevDependency(name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return manifest.devDependencies[name]!;
}
