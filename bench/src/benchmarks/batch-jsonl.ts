import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { alternate, format, measurement, median, medianRatio, type Benchmark } from '../harness.js';

const WRITE = 100_000;
const READ = 200_000;
const run = promisify(execFile);
const probe = fileURLToPath(new URL('../probes/batch-jsonl.js', import.meta.url));

interface ProbeResult {
  ms: number;
  lines: number;
  maxRssMb: number;
}

async function probeRun(mode: string, file: string, count: number): Promise<ProbeResult> {
  const { stdout } = await run(process.execPath, [probe, mode, file, String(count)], {
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as ProbeResult;
  if (result.lines !== count)
    throw new Error(`${mode} handled ${result.lines} lines, expected ${count}`);
  return result;
}

/** A realistic output file: one chat completion per line, ~600 bytes each. */
async function outputFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < READ; i++) {
    const line = JSON.stringify({
      id: `batch-1a2b3c4d-${i + 1}-0b6c9e1e-77aa-4d11-9d2b-0f7a3c1e9a${String(i % 100).padStart(2, '0')}`,
      custom_id: `req-${i}`,
      response: {
        status_code: 200,
        body: {
          id: 'cmpl-85bcfa450e5643f2a2aed46472d97ffd',
          object: 'chat.completion',
          model: 'mistral-small-latest',
          created: 1761577934,
          usage: { prompt_tokens: 21, completion_tokens: 48, total_tokens: 69 },
          choices: [
            {
              index: 0,
              finish_reason: 'stop',
              message: {
                role: 'assistant',
                content: `Item ${i} is summarized here in a sentence that reads like a model's answer about the quick brown fox.`,
                tool_calls: null,
              },
            },
          ],
        },
      },
      error: null,
    });
    if (!out.write(line + '\n'))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

export const benchmark: Benchmark = {
  name: 'batch-jsonl',
  title: `Batch JSONL: writing ${WRITE.toLocaleString('en-US')} requests and streaming ${READ.toLocaleString('en-US')} result lines, each in a fresh process`,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-jsonl-'));
    try {
      const results = join(dir, 'output.jsonl');
      await outputFile(results);
      const rss: Record<string, number[]> = {
        write: [],
        'write-bare': [],
        read: [],
        'read-bare': [],
      };
      const timed = (mode: string, file: string, count: number) => async () => {
        const r = await probeRun(mode, file, count);
        rss[mode]!.push(r.maxRssMb);
        return r.ms;
      };
      const write = await alternate(
        {
          writeBatchFile: timed('write', join(dir, 'a.jsonl'), WRITE),
          'bare JSON.stringify per line': timed('write-bare', join(dir, 'b.jsonl'), WRITE),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      const read = await alternate(
        {
          readBatchResults: timed('read', results, READ),
          'bare readline + JSON.parse': timed('read-bare', results, READ),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      const writeThroughput = medianRatio(
        write['bare JSON.stringify per line']!,
        write.writeBatchFile!,
      );
      const readThroughput = medianRatio(
        read['bare readline + JSON.parse']!,
        read.readBatchResults!,
      );
      const readRss = median(rss.read!);
      return {
        name: 'batch-jsonl',
        title: this.title,
        measurements: [
          measurement(
            'writeBatchFile (validated)',
            `write ${WRITE.toLocaleString('en-US')}`,
            'ms',
            write.writeBatchFile!,
          ),
          measurement(
            'bare JSON.stringify per line',
            `write ${WRITE.toLocaleString('en-US')}`,
            'ms',
            write['bare JSON.stringify per line']!,
          ),
          measurement(
            'readBatchResults',
            `read ${READ.toLocaleString('en-US')}`,
            'ms',
            read.readBatchResults!,
          ),
          measurement(
            'bare readline + JSON.parse',
            `read ${READ.toLocaleString('en-US')}`,
            'ms',
            read['bare readline + JSON.parse']!,
          ),
          measurement('readBatchResults', 'peak RSS of the process', 'MB', rss.read!),
          measurement(
            'bare readline + JSON.parse',
            'peak RSS of the process',
            'MB',
            rss['read-bare']!,
          ),
        ],
        goals: [
          {
            name: 'writeBatchFile throughput / bare loop',
            target: '>= 0.8',
            actual: format(writeThroughput),
            met: writeThroughput >= 0.8,
          },
          {
            name: 'readBatchResults throughput / bare loop',
            target: '>= 0.8',
            actual: format(readThroughput),
            met: readThroughput >= 0.8,
          },
          {
            name: 'readBatchResults peak RSS (200,000 lines)',
            target: '<= 150 MB',
            actual: `${format(readRss)} MB`,
            met: readRss <= 150,
          },
        ],
        notes: [
          'writeBatchFile validates every body with zod and checks custom_id uniqueness; the bare loop only stringifies. Both write with back-pressure to a local file.',
          `The output file has ${READ.toLocaleString('en-US')} realistic lines (~600 bytes each).`,
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
