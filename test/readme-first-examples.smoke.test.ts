import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks } from '../apps/readme-check/src/readme-blocks.js';
import { consumerProject, root, type ConsumerProject } from './consumer/consumer-project.js';

/**
 * What a new user does: install the packed packages with npm in a project outside the workspace,
 * copy the first example of a package's README and run it, unchanged, against the emulator (the
 * one the consumer installed, started by its bin). The queue's example needs Redis: it runs on a
 * database of its own, like the README check, when Redis answers (always in CI).
 */
const run = promisify(execFile);
const PACKAGES = ['core', 'stream', 'agents', 'batch', 'queue', 'emulator', 'visualizer'];
const redisUrl = process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
const exampleRedisUrl = (() => {
  const url = new URL(redisUrl);
  url.pathname = '/10';
  return url.toString();
})();

let consumer: ConsumerProject;
let emulator: ChildProcess;
let emulatorUrl: string;

beforeAll(async () => {
  consumer = consumerProject('full');
  if (await redisAnswers()) deleteExampleKeys();
  emulator = spawn(
    process.execPath,
    [
      join(consumer.dir, 'node_modules/@mistral-flows/emulator/bin/mistral-flows-emulator.js'),
      '--port',
      '0',
    ],
    { cwd: consumer.dir, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  emulatorUrl = await new Promise<string>((resolve, reject) => {
    emulator.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    createInterface({ input: emulator.stdout! }).on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
  });
});
afterAll(async () => {
  emulator?.kill();
  if (await redisAnswers()) deleteExampleKeys();
});

/** The queue example's keys (default queue names) on its own database. */
function deleteExampleKeys(): void {
  consumer.node(
    `import { Redis } from 'ioredis';
     const redis = new Redis(${JSON.stringify(exampleRedisUrl)});
     let cursor = '0';
     do {
       const [next, keys] = await redis.scan(cursor, 'MATCH', 'bull:mistral-chat*', 'COUNT', 1000);
       cursor = next;
       if (keys.length > 0) await redis.del(...keys);
     } while (cursor !== '0');
     redis.disconnect();`,
  );
}

async function redisAnswers(): Promise<boolean> {
  const { connect } = await import('node:net');
  const { hostname, port } = new URL(redisUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe("each package README's first example, in a project outside the workspace", () => {
  for (const name of PACKAGES) {
    it(`@mistral-flows/${name}`, async () => {
      const readme = `packages/${name}/README.md`;
      const [first] = readmeBlocks(readme, readFileSync(join(root, readme), 'utf8'));
      expect(first, `${readme} has a TypeScript example`).toBeDefined();
      if (first!.requires.includes('redis') && !(await redisAnswers())) {
        expect(process.env.REQUIRE_REDIS, 'Redis is required (REQUIRE_REDIS=1)').not.toBe('1');
        return;
      }
      const { outputText } = ts.transpileModule(first!.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        MISTRAL_SERVER_URL: emulatorUrl,
        REDIS_URL: exampleRedisUrl,
      };
      delete env.MISTRAL_API_KEY;
      const result = await run(process.execPath, ['--input-type=module', '-e', outputText], {
        cwd: consumer.dir,
        env,
        timeout: 60_000,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code?: number; stderr?: string }) => ({
          code: error.code,
          stderr: error.stderr ?? '',
        }),
      );
      expect(result, result.stderr).toEqual({ code: 0, stderr: '' });
    });
  }
});
