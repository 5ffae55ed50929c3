import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  consumerProject,
  installedCopies,
  packPublished,
  type ConsumerProject,
  type PackedPackage,
} from './consumer/consumer-project.js';

/**
 * Installs the packages the way a user would: `pnpm pack` every published package, `npm install`
 * the tarballs into projects outside the workspace, import every entry point with Node and
 * typecheck a consumer file against the published types. It catches what workspace links hide:
 * a missing file in `files`, an `exports` map pointing nowhere, a dependency only declared in the
 * root, an optional peer that the main entry loads anyway, two copies of the SDK.
 */
describe('published packages', () => {
  let packages: PackedPackage[];
  let full: ConsumerProject;
  let streamOnly: ConsumerProject;

  beforeAll(() => {
    packages = packPublished();
    streamOnly = consumerProject('stream-core');
    full = consumerProject('full');
  });

  it('packs every published package with a README, the LICENSE and only built files', () => {
    expect(packages.length).toBeGreaterThan(0);
    for (const { name, tarball } of packages) {
      const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
      expect(listing, name).toContain('package/README.md');
      expect(listing, name).toContain('package/LICENSE');
      expect(listing, name).toContain('package/dist/index.js');
      expect(listing, name).toContain('package/dist/index.d.ts');
      expect(listing, name).not.toMatch(/package\/src\//);
      expect(listing, name).not.toMatch(/\.test\.(js|d\.ts)/);
      const packed = JSON.parse(
        execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
      ) as Record<string, Record<string, string> | undefined>;
      for (const field of ['dependencies', 'peerDependencies'] as const) {
        expect(JSON.stringify(packed[field] ?? {}), name).not.toContain('workspace:');
      }
    }
  });

  it('installs stream and core without better-sqlite3 and without ioredis', () => {
    expect(streamOnly.installed.sort()).toEqual(['@mistral-flows/core', '@mistral-flows/stream']);
    expect(installedCopies(streamOnly.dir, 'better-sqlite3')).toEqual([]);
    expect(installedCopies(streamOnly.dir, 'ioredis')).toEqual([]);
    expect(installedCopies(streamOnly.dir, 'pg')).toEqual([]);
    const out = streamOnly.node(`
      const core = await import('@mistral-flows/core');
      const stream = await import('@mistral-flows/stream');
      const store = core.defaultStore();
      await store.set('smoke', { ok: true });
      console.log(JSON.stringify([typeof stream.chatStream, (await store.get('smoke')).value]));
    `);
    expect(JSON.parse(out)).toEqual(['function', { ok: true }]);
  });

  it('installs one copy of the SDK when every package is installed', () => {
    expect(installedCopies(full.dir, '@mistralai/mistralai')).toHaveLength(1);
    for (const name of ['rxjs', 'xstate', 'zod', '@mistral-flows/core']) {
      expect(installedCopies(full.dir, name), name).toHaveLength(1);
    }
  });

  it('imports every entry point and subpath with Node ESM, outside the workspace', () => {
    const specifiers = packages.flatMap(({ name, manifest }) =>
      Object.keys(manifest.exports ?? { '.': {} })
        .filter((subpath) => subpath !== './package.json')
        .map((subpath) => (subpath === '.' ? name : `${name}/${subpath.slice(2)}`)),
    );
    expect(specifiers).toEqual(
      expect.arrayContaining([
        '@mistral-flows/core/sqlite',
        '@mistral-flows/core/redis',
        '@mistral-flows/stream/redis',
      ]),
    );
    const counts = JSON.parse(
      full.node(`
        const counts = {};
        for (const specifier of ${JSON.stringify(specifiers)}) {
          counts[specifier] = Object.keys(await import(specifier)).length;
        }
        console.log(JSON.stringify(counts));
      `),
    ) as Record<string, number>;
    for (const specifier of specifiers) expect(counts[specifier], specifier).toBeGreaterThan(0);
  });

  it('runs the SQLite store from its subpath', () => {
    const out = full.node(`
      import { SqliteStore } from '@mistral-flows/core/sqlite';
      const store = new SqliteStore();
      await store.set('k', [1, 2]);
      console.log(JSON.stringify(await store.get('k')));
      await store.close();
    `);
    expect(JSON.parse(out)).toEqual({ key: 'k', value: [1, 2], version: 1 });
  });

  it('typechecks a consumer file against the published types', () => {
    const imports = packages
      .map(
        ({ name }, i) =>
          `import * as pkg${i} from '${name}';\nexport const keys${i}: string[] = Object.keys(pkg${i});`,
      )
      .join('\n');
    writeFileSync(
      join(full.dir, 'consumer.ts'),
      `${imports}
import { createClient, defaultStore, FileStore, mapConcurrent, MemoryStore, type Settled, type MistralFlowsEvents, type Store } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { RedisStore } from '@mistral-flows/core/redis';
import { RedisReplayLog } from '@mistral-flows/stream/redis';
export async function use(): Promise<Array<Settled<number>>> {
  const stores: Store[] = [new MemoryStore(), new FileStore({ dir: 'data' }), defaultStore(), new SqliteStore()];
  await stores[0]!.set('k', { a: 1 });
  const event: MistralFlowsEvents['chat:chunk'] = { requestId: 'r', content: 'x', index: 0 };
  void event;
  void createClient;
  void RedisStore;
  void RedisReplayLog;
  return mapConcurrent([1, 2, 3], async (n) => n * 2, { concurrency: 2 });
}
`,
    );
    writeFileSync(
      join(full.dir, 'tsconfig.json'),
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
    full.run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
  });
});
