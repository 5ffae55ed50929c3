import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mistral } from '@mistralai/mistralai';
import { format, measurement, type Benchmark, type BenchContext } from '../harness.js';

const model = 'mistral-small-latest';

/** Peak resident set size of a process, in MiB (Linux `/proc/<pid>/status`, VmHWM). */
function peakRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

function jsonl(lines: number): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < lines; i++) {
    rows.push(
      JSON.stringify({
        custom_id: String(i),
        body: {
          messages: [
            { role: 'user', content: `Question ${i} about the history of lighthouses and ships` },
          ],
        },
      }),
    );
  }
  return Buffer.from(rows.join('\n') + '\n');
}

interface BatchRun {
  lines: number;
  seconds: number;
  exact: boolean;
  uploadPeakMiB: number;
  peakMiB: number;
  outputMiB: number;
}

/** Uploads `lines` lines to a fresh emulator process, runs the job to the end and measures it. */
async function runBatch(ctx: BenchContext, lines: number, dataDir?: string): Promise<BatchRun> {
  const emulator = await ctx.startEmulator(dataDir ? ['--data-dir', dataDir] : []);
  try {
    const client = new Mistral({ serverURL: emulator.url });
    const file = await client.files.upload({
      file: { fileName: 'big.jsonl', content: jsonl(lines) },
      purpose: 'batch',
    });
    const uploadPeakMiB = peakRssMiB(emulator.pid);
    const started = performance.now();
    const created = await client.batch.jobs.create({
      inputFiles: [file.id],
      endpoint: '/v1/chat/completions',
      model,
    });
    let job = created;
    while (job.status === 'QUEUED' || job.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = await client.batch.jobs.get({ jobId: created.id });
    }
    const seconds = (performance.now() - started) / 1000;
    const output = job.outputFile
      ? await client.files.retrieve({ fileId: job.outputFile })
      : undefined;
    return {
      lines,
      seconds,
      exact:
        job.status === 'SUCCESS' &&
        job.totalRequests === lines &&
        job.completedRequests === lines &&
        job.succeededRequests === lines &&
        job.failedRequests === 0 &&
        output?.numLines === lines,
      uploadPeakMiB,
      peakMiB: peakRssMiB(emulator.pid),
      outputMiB: (output?.sizeBytes ?? 0) / 2 ** 20,
    };
  } finally {
    await emulator.close();
  }
}

export const benchmark: Benchmark = {
  name: 'emulator-batch',
  title: 'Emulator batch jobs: 100,000 lines end to end, time and peak RSS of the emulator process',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-batch-'));
    try {
      const memory: BatchRun[] = [];
      for (let round = 0; round < ctx.warmup + ctx.rounds; round++) {
        const run = await runBatch(ctx, 100_000);
        ctx.log(
          `  ${round < ctx.warmup ? 'warm-up' : `round ${round - ctx.warmup + 1}`}: 100,000 lines in ${format(run.seconds)} s, ` +
            `peak RSS ${format(run.peakMiB)} MiB (output ${format(run.outputMiB)} MiB), counters ${run.exact ? 'exact' : 'WRONG'}`,
        );
        if (round >= ctx.warmup) memory.push(run);
      }
      // Each size in a fresh process with --data-dir: the output goes to disk, so the peak should not follow the line count.
      const ladder: BatchRun[] = [];
      for (const lines of [10_000, 100_000, 200_000]) {
        const sub = join(dir, String(lines));
        const run = await runBatch(ctx, lines, sub);
        rmSync(sub, { recursive: true, force: true });
        ctx.log(
          `  --data-dir ${lines.toLocaleString('en-US')} lines: ${format(run.seconds)} s, peak RSS ${format(run.peakMiB)} MiB ` +
            `(${format(run.uploadPeakMiB)} MiB after the upload), counters ${run.exact ? 'exact' : 'WRONG'}`,
        );
        ladder.push(run);
      }
      const exact = [...memory, ...ladder].every((r) => r.exact);
      const processing = ladder.map((r) => r.peakMiB - r.uploadPeakMiB);
      const at100k = ladder[1]!;
      const at200k = ladder[2]!;
      return {
        name: 'emulator-batch',
        title: this.title,
        measurements: [
          measurement(
            'in memory',
            '100,000-line batch',
            's',
            memory.map((r) => r.seconds),
          ),
          measurement(
            'in memory',
            'lines per second',
            'lines/s',
            memory.map((r) => r.lines / r.seconds),
          ),
          measurement(
            'in memory',
            'peak RSS',
            'MiB',
            memory.map((r) => r.peakMiB),
          ),
          measurement(
            'in memory',
            'output file held',
            'MiB',
            memory.map((r) => r.outputMiB),
          ),
          ...ladder.map((r) =>
            measurement('--data-dir', `peak RSS, ${r.lines.toLocaleString('en-US')} lines`, 'MiB', [
              r.peakMiB,
            ]),
          ),
          ...ladder.map((r, i) =>
            measurement(
              '--data-dir',
              `RSS added while running, ${r.lines.toLocaleString('en-US')} lines`,
              'MiB',
              [processing[i]!],
            ),
          ),
        ],
        goals: [
          {
            name: '100,000-line batch completes with exact counters',
            target: 'SUCCESS, 100,000 / 100,000 succeeded, 100,000 output lines',
            actual: exact ? 'exact' : 'wrong',
            met: exact,
          },
          {
            name: 'memory does not follow the line count (--data-dir, 200k vs 100k lines, RSS added while running)',
            target: '< 1.5x',
            actual: `${format(processing[2]!)} vs ${format(processing[1]!)} MiB`,
            met: processing[2]! < 1.5 * Math.max(processing[1]!, 1),
          },
        ],
        notes: [
          'In memory, the emulator keeps the uploaded input and the output file in memory: that is what the output requires. ' +
            `With --data-dir both live on disk; peak RSS was ${format(at100k.peakMiB)} MiB at 100,000 lines and ${format(at200k.peakMiB)} MiB at 200,000. ` +
            'Uploads are buffered whole (bounded by --max-file-bytes), which is most of the difference between sizes.',
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
