import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Mistral } from '@mistralai/mistralai';
import { waitFor } from '@mistral-flows/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startEmulator } from '../src/index.js';
import { chatLines, streamText, uploadJsonl } from './support/batch-input.js';

const bin = fileURLToPath(new URL('../bin/mistral-flows-emulator.js', import.meta.url));

/** Starts the CLI and resolves to its URL and a stop function (SIGTERM, then wait for exit). */
async function launch(
  args: string[],
): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let buffer = '';
  for await (const chunk of child.stdout) {
    buffer += (chunk as Buffer).toString();
    if (buffer.includes('\n')) break;
  }
  const url = /listening on (\S+)/.exec(buffer)![1]!;
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-data-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('--data-dir', () => {
  it('keeps files and jobs across a restart, and a job created before it finishes after it', async () => {
    const dataDir = tempDir();
    const first = await launch(['--data-dir', dataDir, '--batch-rps', '20']);
    const client1 = new Mistral({ serverURL: first.url, apiKey: 'k' });
    const lines = chatLines(40);
    const fileId = await uploadJsonl(client1, lines);
    const created = await client1.batch.jobs.create({
      inputFiles: [fileId],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      metadata: { batch_key: 'nightly-1' },
    });
    await waitFor(
      async () => (await client1.batch.jobs.get({ jobId: created.id })).completedRequests > 0,
      { what: 'progress' },
    );
    expect(await first.stop()).toBe(0);
    expect(readdirSync(join(dataDir, 'jobs'))).toContain(`${created.id}.json`);
    expect(readdirSync(join(dataDir, 'files')).some((name) => name.endsWith('.tmp'))).toBe(false);

    const second = await launch(['--data-dir', dataDir]);
    const client2 = new Mistral({ serverURL: second.url, apiKey: 'k' });
    const listed = await client2.batch.jobs.list({ metadata: { batch_key: 'nightly-1' } });
    expect(listed.data!.map((j) => j.id)).toEqual([created.id]);
    const job = await waitFor(
      async () => {
        const current = await client2.batch.jobs.get({ jobId: created.id });
        return current.status === 'SUCCESS' ? current : undefined;
      },
      { what: 'the resumed job to finish' },
    );
    expect(job).toMatchObject({
      totalRequests: 40,
      completedRequests: 40,
      succeededRequests: 40,
      failedRequests: 0,
    });
    const output = await streamText(await client2.files.download({ fileId: job.outputFile! }));
    expect(output.trim().split('\n')).toHaveLength(40);
    const input = await streamText(await client2.files.download({ fileId }));
    expect(input).toBe(lines.join('\n') + '\n');
    expect(await second.stop()).toBe(0);
  });

  it('removes files and jobs from disk on delete and reset', async () => {
    const dataDir = tempDir();
    const emulator = await startEmulator({ dataDir });
    onTestFinished(() => emulator.close());
    const client = new Mistral({ serverURL: emulator.url, apiKey: 'k' });
    const fileId = await uploadJsonl(client, chatLines(2));
    expect(existsSync(join(dataDir, 'files', `${fileId}.data`))).toBe(true);
    await client.files.delete({ fileId });
    expect(existsSync(join(dataDir, 'files', `${fileId}.data`))).toBe(false);
    const job = await client.batch.jobs.create({
      inputFiles: [await uploadJsonl(client, chatLines(2))],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
    });
    expect(existsSync(join(dataDir, 'jobs', `${job.id}.json`))).toBe(true);
    await emulator.reset();
    expect(readdirSync(join(dataDir, 'jobs'))).toEqual([]);
    expect(readdirSync(join(dataDir, 'files'))).toEqual([]);
    expect(emulator.stats()).toMatchObject({ files: 0, jobsCreated: 0, jobsByStatus: {} });
  });
});
