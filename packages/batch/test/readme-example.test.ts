import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Runs the README's example as it is written (it is plain JavaScript), in a directory of its own
 * where `@mistral-flows/core` and `@mistral-flows/batch` resolve to this workspace's builds.
 */
const packages = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(
  readme,
)?.[1];

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ batchRps: 2 });
  dir = mkdtempSync(join(tmpdir(), 'mf-batch-readme-'));
  mkdirSync(join(dir, 'node_modules', '@mistral-flows'), { recursive: true });
  for (const name of ['core', 'batch'])
    symlinkSync(join(packages, name), join(dir, 'node_modules', '@mistral-flows', name), 'dir');
  writeFileSync(join(dir, 'example.mjs'), example ?? '');
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function runExample() {
  const env: NodeJS.ProcessEnv = { ...process.env, MISTRAL_SERVER_URL: emulator.url };
  delete env.MISTRAL_API_KEY;
  const child = spawn(process.execPath, ['example.mjs'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, out: () => out, err: () => err };
}

describe('the README example', () => {
  it('runs as written, and after a SIGKILL while its job runs, runs again to every result with one job', async () => {
    expect(example).toContain('resumeBatch(key, options)');
    const first = runExample();
    await waitFor(() => emulator.stats().jobsCreated === 1, {
      timeoutMs: 20_000,
      what: `the job to be created; stderr: ${first.err()}`,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.out()).not.toMatch(/^req-0 /m);

    const second = runExample();
    const code = await second.exited;
    expect(second.err()).toBe('');
    expect(code).toBe(0);
    for (const id of ['req-0', 'req-1', 'req-2'])
      expect(second.out()).toMatch(new RegExp(`^${id} `, 'm'));
    expect(emulator.stats().jobsCreated).toBe(1);
  });
});
