import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { deleteKeys, useRedis } from '@mistral-flows/testing';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockFileName, readmeBlocks, type ReadmeBlock } from '../src/readme-blocks.js';

/**
 * Every TypeScript block of the root README and of each package's README is typechecked, and
 * every block not marked `<!-- readme-check: fragment -->` is run with Node against the emulator
 * (`MISTRAL_SERVER_URL`), in an empty working directory, and must exit 0 by itself. Blocks marked
 * `redis` run when Redis answers (always in CI, REQUIRE_REDIS=1), on a database of their own
 * (the examples use the default queue names), whose queue keys are deleted afterwards.
 */
const root = resolve(import.meta.dirname, '../../..');
const here = resolve(import.meta.dirname, '..');
const blocksDir = join(here, '.blocks');
const run = promisify(execFile);

const readmes = [
  'README.md',
  ...readdirSync(join(root, 'packages'))
    .map((dir) => `packages/${dir}/README.md`)
    .filter((path) => {
      try {
        readFileSync(join(root, path));
        return true;
      } catch {
        return false;
      }
    }),
];
const blocks: ReadmeBlock[] = readmes.flatMap((path) =>
  readmeBlocks(path, readFileSync(join(root, path), 'utf8')),
);
const redis = await useRedis();
/** The Redis database the blocks use: the examples' default queue names stay out of the others'. */
const blocksRedisUrl = (() => {
  const url = new URL(redis.url);
  url.pathname = '/9';
  return url.toString();
})();
/** The keys the blocks leave: the default queues' and the default RedisStore namespace's. */
const blocksRedisKeys = [
  'bull:mistral-chat*',
  'bull:mistral-conversations*',
  'bull:mistral-batch-runs*',
  'mistral-flows:*',
];
const deleteBlockKeys = async () => {
  for (const pattern of blocksRedisKeys) await deleteKeys(blocksRedisUrl, pattern);
};

let emulator: Emulator;
let work: string;
beforeAll(async () => {
  rmSync(blocksDir, { recursive: true, force: true });
  mkdirSync(blocksDir, { recursive: true });
  for (const block of blocks) {
    writeFileSync(join(blocksDir, `${blockFileName(block)}.ts`), block.code);
  }
  if (redis.available) await deleteBlockKeys();
  emulator = await startEmulator();
  work = mkdtempSync(join(tmpdir(), 'mistral-flows-readme-'));
});
afterAll(async () => {
  await emulator?.close();
  if (redis.available) await deleteBlockKeys();
  rmSync(work, { recursive: true, force: true });
});

describe('README code blocks', () => {
  it('are found in the READMEs', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  it('typecheck against the packages as published', () => {
    const files = blocks.map((block) => join(blocksDir, `${blockFileName(block)}.ts`));
    const config = ts.parseJsonConfigFileContent(
      {
        extends: join(root, 'tsconfig.base.json'),
        compilerOptions: { noEmit: true, declaration: false, declarationMap: false },
        files,
      },
      ts.sys,
      here,
    );
    const program = ts.createProgram(files, config.options);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file
        ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });

  for (const block of blocks.filter((b) => b.mode === 'run')) {
    const needsRedis = block.requires.includes('redis');
    it.skipIf(needsRedis && !redis.available)(
      `${block.readme} line ${block.line} runs against the emulator`,
      async () => {
        const source = join(blocksDir, `${blockFileName(block)}.mjs`);
        const { outputText } = ts.transpileModule(block.code, {
          compilerOptions: {
            module: ts.ModuleKind.ESNext,
            target: ts.ScriptTarget.ES2022,
            verbatimModuleSyntax: true,
          },
        });
        writeFileSync(source, outputText);
        const cwd = mkdtempSync(join(work, 'block-'));
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          MISTRAL_SERVER_URL: emulator.url,
          REDIS_URL: blocksRedisUrl,
        };
        delete env.MISTRAL_API_KEY;
        const result = await run(process.execPath, [source], { cwd, env, timeout: 60_000 }).then(
          (r) => ({ code: 0, stderr: r.stderr }),
          (error: { code?: number; stderr?: string; killed?: boolean }) => ({
            code: error.killed ? 'killed after 60 s' : error.code,
            stderr: error.stderr ?? '',
          }),
        );
        expect(result, result.stderr).toMatchObject({ code: 0 });
      },
    );
  }
});
