import { createWriteStream, existsSync, openAsBlob } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import {
  backoffDelay,
  classifyError,
  clientTimeoutMs,
  requestSignal,
  retry,
  sleep,
  toApiError,
  type RetryPolicy,
  type Store,
} from '@mistral-flows/core';
import type { Mistral } from '@mistralai/mistralai';
import type { ApiEndpoint } from '@mistralai/mistralai/models/components';
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import { BatchError } from '../errors.js';
import type { BatchRequestInput } from '../jsonl/batch-request.js';
import { readBatchResults } from '../jsonl/read-batch-results.js';
import { writeBatchFile } from '../jsonl/write-batch-file.js';
import {
  type CreateArgs,
  type DownloadArgs,
  type DownloadedResults,
  type FindJobArgs,
  type PreparedInput,
  type PrepareInputArgs,
  type RetryArgs,
  type UploadArgs,
} from '../machine/batch-machine.js';
import type { BatchEvent, BatchJobInfo, PollOptions } from '../machine/types.js';
import { recordJob } from './batch-records.js';
import { findJob } from './find-job.js';
import { toJobInfo } from './job-info.js';
import { errorPath, inputPath, outputPath, uploadName } from './paths.js';

export interface BatchActorDeps {
  client: Mistral;
  /** The requests, for a batch whose input file is not written yet. */
  requests?: Iterable<BatchRequestInput> | AsyncIterable<BatchRequestInput>;
  /** Extra headers on every API call (a gateway's, or the emulator's fault headers in tests). */
  headers?: Record<string, string>;
  /** Retries of idempotent calls (lookups, polls, downloads); default 5 attempts. */
  retry?: RetryPolicy;
  /**
   * Where the id of each job is recorded the moment it is created, and looked up first on resume
   * (`runBatch` passes its store). Without it, jobs are found by listing them.
   */
  store?: Store;
}

/** The machine's side effects, on the official SDK. */
export function batchActors(deps: BatchActorDeps) {
  const { client } = deps;
  const timeoutMs = clientTimeoutMs(client);
  // The SDK drops its own timeout for a request that carries a signal: the signal carries it.
  const options = (signal: AbortSignal) => ({
    signal: requestSignal(signal, timeoutMs),
    ...(deps.headers ? { headers: deps.headers } : {}),
  });
  const policy: RetryPolicy = { maxAttempts: 5, initialDelayMs: 250, ...deps.retry };
  // The package's own errors (a store that failed, a foreign key) are final and keep their type.
  const retried: RetryPolicy = {
    ...policy,
    shouldRetry: (c, error) =>
      !BatchError.isInstance(error) &&
      (policy.shouldRetry ? policy.shouldRetry(c, error) : c.retryable),
  };
  const typed = (error: unknown) => (BatchError.isInstance(error) ? error : toApiError(error));
  const safely = <T>(signal: AbortSignal, fn: () => Promise<T>) =>
    retry(() => fn(), retried, { signal }).catch((error: unknown) => {
      throw typed(error);
    });

  return {
    prepareInput: fromPromise<PreparedInput, PrepareInputArgs>(async ({ input }) => {
      const path = inputPath(input.workDir, input.key, input.attempt);
      await mkdir(input.workDir, { recursive: true });
      // The file is renamed into place only once complete, so an existing one can be reused.
      if (existsSync(path)) return { path, ...(await countLines(path)) };
      if (!deps.requests) {
        throw new BatchError(
          'batch_not_found',
          `The input file of batch "${input.key}" (${path}) does not exist and no requests were given to write it`,
        );
      }
      const written = await writeBatchFile(deps.requests, path, {
        endpoint: input.endpoint,
        requireBodyModel: input.requireBodyModel,
      });
      return { path, lines: written.lines, bytes: written.bytes };
    }),

    uploadInput: fromPromise<{ fileId: string }, UploadArgs>(({ input, signal }) =>
      safely(signal, async () => {
        const fileName = uploadName(input.key, input.attempt);
        // An upload whose answer was lost is found again by its name and size.
        const existing = await client.files.list(
          { purpose: 'batch', search: fileName, pageSize: 100 },
          options(signal),
        );
        const found = existing.data.find(
          (f) => f.filename === fileName && f.sizeBytes === input.bytes,
        );
        if (found) return { fileId: found.id };
        const uploaded = await client.files.upload(
          { file: { fileName, content: await openAsBlob(input.path) }, purpose: 'batch' },
          options(signal),
        );
        return { fileId: uploaded.id };
      }),
    ),

    findJob: fromPromise<BatchJobInfo | null, FindJobArgs>(({ input, signal }) =>
      safely(signal, () => findJob(client, input, () => options(signal), deps.store)),
    ),

    createJob: fromPromise<BatchJobInfo, CreateArgs>(async ({ input, signal }) => {
      try {
        // Idempotent on restore: a job of this key and attempt is adopted, not created again.
        const existing = await findJob(client, input, () => options(signal), deps.store);
        if (existing) return existing;
        const requests = input.inlinePath ? await readInline(input.inlinePath) : undefined;
        const job = await client.batch.jobs.create(
          {
            // An open enum in the SDK: the agents endpoint is accepted by the API.
            endpoint: input.endpoint as ApiEndpoint,
            ...(requests ? { requests } : { inputFiles: [input.fileId!] }),
            ...(input.model ? { model: input.model } : {}),
            ...(input.agentId ? { agentId: input.agentId } : {}),
            metadata: input.metadata,
            timeoutHours: input.timeoutHours,
          },
          options(signal),
        );
        // Before anything else: a crash from here on finds the job by this record.
        if (deps.store) await recordJob(deps.store, input.key, input.attempt, job.id);
        return toJobInfo(job, input.attempt);
      } catch (error) {
        throw typed(error);
      }
    }),

    pollJob: fromCallback<
      EventObject,
      { jobId: string; attempt: number; poll: Required<PollOptions> }
    >(({ input, sendBack }) => {
      const controller = new AbortController();
      const send = (event: BatchEvent) => {
        if (!controller.signal.aborted) sendBack(event);
      };
      const loop = async () => {
        let delay = input.poll.initialMs;
        let failures = 0;
        let last = '';
        for (;;) {
          try {
            const job = await client.batch.jobs.get(
              { jobId: input.jobId },
              options(controller.signal),
            );
            failures = 0;
            const info = toJobInfo(job, input.attempt);
            const fingerprint = `${info.status}/${info.counters.completed}/${info.counters.failed}`;
            delay =
              fingerprint === last
                ? Math.min(input.poll.maxMs, delay * input.poll.multiplier)
                : input.poll.initialMs;
            last = fingerprint;
            send({ type: 'job.update', job: info });
            if (['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED'].includes(info.status))
              return;
          } catch (error) {
            if (controller.signal.aborted) return;
            const c = classifyError(error);
            if (!c.retryable || ++failures > 20) {
              send({
                type: 'job.lost',
                code: c.code,
                message: `Polling job ${input.jobId} failed: ${c.message}`,
              });
              return;
            }
            delay = Math.max(
              backoffDelay(failures, {
                initialDelayMs: input.poll.initialMs,
                maxDelayMs: input.poll.maxMs,
              }),
              c.retryAfterMs ?? 0,
            );
          }
          await sleep(delay, controller.signal);
        }
      };
      loop().catch(() => undefined);
      return () => controller.abort();
    }),

    cancelJob: fromPromise<BatchJobInfo, { jobId: string; attempt: number }>(({ input, signal }) =>
      safely(signal, async () =>
        toJobInfo(
          await client.batch.jobs.cancel({ jobId: input.jobId }, options(signal)),
          input.attempt,
        ),
      ),
    ),

    downloadResults: fromPromise<DownloadedResults, DownloadArgs>(({ input, signal }) =>
      safely(signal, async () => {
        const out: DownloadedResults = { outputPath: undefined, errorPath: undefined };
        const { job } = input;
        if (job.outputFile) {
          out.outputPath = outputPath(input.workDir, input.key, input.attempt);
          await download(client, job.outputFile, out.outputPath, options(signal));
        }
        if (job.errorFile) {
          out.errorPath = errorPath(input.workDir, input.key, input.attempt);
          await download(client, job.errorFile, out.errorPath, options(signal));
        }
        if (!job.outputFile && !job.errorFile) {
          // Inline jobs carry their results in `outputs`.
          const full = await client.batch.jobs.get(
            { jobId: job.id, inline: true },
            options(signal),
          );
          if (full.outputs && full.outputs.length > 0) {
            out.outputPath = outputPath(input.workDir, input.key, input.attempt);
            await writeAtomically(
              out.outputPath,
              full.outputs.map((o) => JSON.stringify(o)).join('\n') + '\n',
            );
          }
        }
        return out;
      }),
    ),

    prepareRetry: fromPromise<PreparedInput, RetryArgs>(async ({ input }) => {
      const path = inputPath(input.workDir, input.key, input.attempt);
      if (existsSync(path)) return { path, ...(await countLines(path)) };
      const succeeded = new Set<string>();
      if (input.outputPath && existsSync(input.outputPath)) {
        for await (const r of readBatchResults(input.outputPath))
          if (r.kind === 'result' && r.ok) succeeded.add(r.customId);
      }
      const failed = await collectFailed(input.inputPath, succeeded);
      if (failed.length === 0) return { path, lines: 0, bytes: 0 };
      const written = await writeBatchFile(failed, path, {
        endpoint: input.endpoint,
        requireBodyModel: input.requireBodyModel,
      });
      return { path, lines: written.lines, bytes: written.bytes };
    }),
  };
}

async function download(
  client: Mistral,
  fileId: string,
  path: string,
  requestOptions: { signal: AbortSignal; headers?: Record<string, string> },
): Promise<void> {
  const body = await client.files.download({ fileId }, requestOptions);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), createWriteStream(tmp));
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function readInline(
  path: string,
): Promise<Array<{ customId: string; body: Record<string, unknown> }>> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const parsed = JSON.parse(line) as { custom_id: string; body: Record<string, unknown> };
      return { customId: parsed.custom_id, body: parsed.body };
    });
}

/** The requests of an input file whose custom_id did not succeed. */
async function collectFailed(path: string, succeeded: Set<string>): Promise<BatchRequestInput[]> {
  const { createInterface } = await import('node:readline');
  const { createReadStream } = await import('node:fs');
  const out: BatchRequestInput[] = [];
  for await (const line of createInterface({
    input: createReadStream(path),
    crlfDelay: Infinity,
  })) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as { custom_id: string; body: Record<string, unknown> };
    if (!succeeded.has(parsed.custom_id))
      out.push({ customId: parsed.custom_id, body: parsed.body });
  }
  return out;
}

async function countLines(path: string): Promise<{ lines: number; bytes: number }> {
  const { size } = await stat(path);
  const { createReadStream } = await import('node:fs');
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return { lines, bytes: size };
}
