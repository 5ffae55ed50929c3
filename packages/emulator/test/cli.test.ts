import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Mistral } from '@mistralai/mistralai';
import { describe, expect, it, onTestFinished } from 'vitest';

const bin = fileURLToPath(new URL('../bin/mistral-flows-emulator.js', import.meta.url));

function run(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
} {
  const child = spawn(process.execPath, [bin, ...args]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => out, stderr: () => err };
}

async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  let buffer = '';
  for await (const chunk of child.stdout) {
    buffer += (chunk as Buffer).toString();
    const newline = buffer.indexOf('\n');
    if (newline >= 0) return buffer.slice(0, newline);
  }
  throw new Error('the emulator exited before printing a line');
}

describe('mistral-flows-emulator CLI', () => {
  it('prints one listening line, serves the SDK with the given flags, and exits 0 on SIGTERM', async () => {
    const { child, stdout } = run([
      '--port',
      '0',
      '--api-key',
      'k',
      '--seed',
      '3',
      '--token-ms',
      '0',
    ]);
    const line = await firstLine(child);
    expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line.slice('listening on '.length);
    const client = new Mistral({ serverURL: url, apiKey: 'k' });
    const res = await client.chat.complete({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'Hi there, robots' }],
    });
    expect(res.choices[0]!.finishReason).toBe('stop');
    await expect(
      new Mistral({ serverURL: url, apiKey: 'nope' }).models.list(),
    ).rejects.toMatchObject({ statusCode: 401 });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stdout().trim().split('\n')).toEqual([line]);
  });

  it('closes gracefully on SIGINT while a stream is open', async () => {
    const { child } = run(['--port=0', '--token-ms=100']);
    const url = (await firstLine(child)).slice('listening on '.length);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'mistral-small-latest',
        stream: true,
        messages: [{ role: 'user', content: 'Long story please' }],
      }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('answers the Host names given with --allowed-hosts, and refuses others', async () => {
    const { child } = run(['--port', '0', '--allowed-hosts', 'emulator.internal,.corp.example']);
    const url = (await firstLine(child)).slice('listening on '.length);
    const { port } = new URL(url);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${url}/_emulator/health`, { headers: { host: `${host}:${port}` } });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status('emulator.internal')).toBe(200);
    expect(await status('api.corp.example')).toBe(200);
    expect(await status('evil.example')).toBe(421);
  });

  it('prints usage for --help and fails with exit code 1 on a bad flag', async () => {
    const help = run(['--help']);
    const [helpCode] = (await once(help.child, 'exit')) as [number | null];
    expect(helpCode).toBe(0);
    expect(help.stdout()).toContain('--batch-clock-scale');
    const bad = run(['--fault-rate', '2']);
    const [badCode] = (await once(bad.child, 'exit')) as [number | null];
    expect(badCode).toBe(1);
    expect(bad.stderr()).toContain('--fault-rate must be a number between 0 and 1');
  });
});
