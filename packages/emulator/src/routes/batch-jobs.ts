import { batchJobJson, type BatchJobRecord, type BatchStatus } from '../batch/batch-job.js';
import { batchEndpoints } from '../batch/process-line.js';
import { readLineBatches } from '../batch/read-lines.js';
import { epochSeconds } from '../http/clock.js';
import { apiError, notFound, wrappedValidationError } from '../http/http-error.js';
import { uuid } from '../http/ids.js';
import { ownValue } from '../http/dictionary.js';
import { pageItems, pageParams } from '../http/pagination.js';
import { checkModel } from '../models/check-model.js';
import { sendJson } from '../http/respond.js';
import type { RouteContext, RouteSpec } from '../server/route.js';
import type { InlineRequest } from '../storage/job-store.js';
import { validateRequest } from '../validation/validate-request.js';

type Json = Record<string, unknown>;

function findJob(ctx: RouteContext): BatchJobRecord {
  const id = ctx.params.job_id!;
  const job = ctx.runtime.jobs.get(id);
  if (!job) throw notFound('Batch job', id);
  return job;
}

/**
 * `POST /v1/batch/jobs`: from `input_files` or inline `requests` (not both), for
 * `/v1/chat/completions`, `/v1/agents/completions` or `/v1/embeddings`. Unknown files and agents
 * are 404s; everything else wrong is a 400 or 422 with the documented error body.
 */
export const createBatchJob: RouteSpec = {
  body: 'json',
  service: 'files',
  handler(ctx) {
    const { runtime } = ctx;
    const body = ctx.body as Json;
    // The published endpoint enum predates agents batches; check the rest of the body against it.
    const checked =
      body.endpoint === '/v1/agents/completions'
        ? { ...body, endpoint: '/v1/chat/completions' }
        : body;
    const issues = validateRequest('CreateBatchJobRequest', checked);
    if (issues.length > 0) throw wrappedValidationError(issues);
    const inputFiles = (body.input_files as string[] | null | undefined) ?? null;
    const requests = (body.requests as InlineRequest[] | null | undefined) ?? null;
    if (inputFiles !== null && requests !== null) {
      throw apiError(400, 'Provide either input_files or requests, not both', {
        param: 'input_files',
        code: 'invalid_request',
      });
    }
    if ((inputFiles ?? requests ?? []).length === 0) {
      throw apiError(400, 'Provide a non-empty input_files or requests', {
        param: 'input_files',
        code: 'invalid_request',
      });
    }
    const endpoint = body.endpoint as string;
    if (!batchEndpoints.has(endpoint)) {
      throw apiError(400, `The emulator does not run batch jobs for ${endpoint}`, {
        param: 'endpoint',
        code: 'unsupported_endpoint',
      });
    }
    for (const id of inputFiles ?? []) {
      const file = runtime.files.get(id);
      if (!file) throw notFound('File', id);
      if (file.bytes === 0)
        throw apiError(400, `Input file ${id} is empty`, {
          param: 'input_files',
          code: 'empty_file',
        });
    }
    checkModel(runtime.models, body.model);
    const agentId = (body.agent_id as string | null | undefined) ?? null;
    if (agentId !== null && !runtime.agents.get(agentId)) throw notFound('Agent', agentId);
    if (
      endpoint === '/v1/agents/completions' &&
      agentId === null &&
      requests?.some((r) => !r.body.agent_id)
    ) {
      throw apiError(400, 'An agents batch needs agent_id', {
        param: 'agent_id',
        code: 'invalid_request',
      });
    }
    const now = runtime.clock.now();
    const job: BatchJobRecord = {
      id: uuid(),
      input_files: inputFiles ?? [],
      metadata: (body.metadata as Record<string, string> | null | undefined) ?? null,
      endpoint,
      model: (body.model as string | null | undefined) ?? null,
      agent_id: agentId,
      output_file: null,
      error_file: null,
      errors: [],
      status: 'QUEUED',
      created_at: epochSeconds(now),
      total_requests: requests?.length ?? 0,
      completed_requests: 0,
      succeeded_requests: 0,
      failed_requests: 0,
      started_at: null,
      completed_at: null,
      createdMs: now,
      timeoutHours: (body.timeout_hours as number | undefined) ?? 24,
      inline: requests !== null,
    };
    const answer = JSON.stringify(batchJobJson(job));
    runtime.batch.create(job, requests ?? undefined);
    ctx.res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(answer),
    });
    ctx.res.end(answer);
  },
};

const listParams = new Set([
  'page',
  'page_size',
  'model',
  'agent_id',
  'metadata',
  'created_after',
  'created_by_me',
  'status',
  'order_by',
]);

/**
 * `GET /v1/batch/jobs`: filters `status` (repeated), `model`, `agent_id`, `created_after`,
 * metadata (the SDK sends each metadata key as its own query parameter; a JSON `metadata`
 * parameter works too; not applied with `ignoreListMetadataFilter`), `order_by` (`created` or
 * `-created`), pagination.
 */
export const listBatchJobs: RouteSpec = {
  body: 'none',
  service: 'files',
  handler(ctx) {
    const q = ctx.query;
    const page = pageParams(q, 100, 10_000);
    const statuses = q.getAll('status');
    const model = q.get('model');
    const agentId = q.get('agent_id');
    const createdAfterText = q.get('created_after');
    const createdAfter = createdAfterText ? Date.parse(createdAfterText) : undefined;
    if (createdAfter !== undefined && Number.isNaN(createdAfter)) {
      throw wrappedValidationError([
        {
          type: 'datetime_from_date_parsing',
          loc: ['query', 'created_after'],
          msg: 'Input should be a valid datetime',
          input: createdAfterText,
        },
      ]);
    }
    // A Map: the keys are the client's query parameter names.
    const metadata = new Map<string, unknown>();
    for (const [key, value] of q) if (!listParams.has(key)) metadata.set(key, value);
    const metadataJson = q.get('metadata');
    if (metadataJson) {
      try {
        const parsed = (JSON.parse(metadataJson) as object | null) ?? {};
        for (const [key, value] of Object.entries(parsed)) metadata.set(key, value);
      } catch {
        throw wrappedValidationError([
          {
            type: 'dict_type',
            loc: ['query', 'metadata'],
            msg: 'Input should be a valid dictionary',
            input: metadataJson,
          },
        ]);
      }
    }
    const order = q.get('order_by') ?? '-created';
    if (order !== 'created' && order !== '-created') {
      throw wrappedValidationError([
        {
          type: 'enum',
          loc: ['query', 'order_by'],
          msg: "Input should be 'created' or '-created'",
          input: order,
        },
      ]);
    }
    const byMetadata = !ctx.runtime.options.ignoreListMetadataFilter;
    const all = ctx.runtime.jobs
      .list()
      .filter(
        (job) =>
          (statuses.length === 0 || statuses.includes(job.status)) &&
          (!model || job.model === model) &&
          (!agentId || job.agent_id === agentId) &&
          (createdAfter === undefined || job.createdMs >= createdAfter) &&
          (!byMetadata ||
            [...metadata].every(([key, value]) => ownValue(job.metadata, key) === value)),
      )
      .sort((a, b) =>
        order === 'created' ? a.createdMs - b.createdMs : b.createdMs - a.createdMs,
      );
    sendJson(ctx.res, 200, {
      object: 'list',
      data: pageItems(all, page).map((job) => batchJobJson(job)),
      total: all.length,
    });
  },
};

/** The result lines of a job, ordered by input line (inline `outputs`). */
async function readOutputs(ctx: RouteContext, job: BatchJobRecord): Promise<Json[]> {
  const lines: Json[] = [];
  for (const id of [job.output_file, job.error_file]) {
    if (id === null || !ctx.runtime.files.get(id)) continue;
    for await (const batch of readLineBatches(ctx.runtime.files.chunks(id))) {
      for (const line of batch) if (line.trim() !== '') lines.push(JSON.parse(line) as Json);
    }
  }
  const lineOf = (value: Json) => Number(/^batch-[^-]+-(\d+)-/.exec(String(value.id))?.[1] ?? 0);
  return lines.sort((a, b) => lineOf(a) - lineOf(b));
}

/** `GET /v1/batch/jobs/{job_id}[?inline=true]`: `outputs` holds the results for inline jobs or with `inline=true`. */
export const getBatchJob: RouteSpec = {
  body: 'none',
  service: 'files',
  async handler(ctx) {
    const job = findJob(ctx);
    const inline = ctx.query.get('inline') === 'true' || job.inline;
    const finished: BatchStatus[] = ['SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED'];
    const outputs = inline && finished.includes(job.status) ? await readOutputs(ctx, job) : null;
    sendJson(ctx.res, 200, batchJobJson(job, outputs));
  },
};

/** `POST /v1/batch/jobs/{job_id}/cancel` */
export const cancelBatchJob: RouteSpec = {
  body: 'none',
  service: 'files',
  handler(ctx) {
    const job = findJob(ctx);
    ctx.runtime.batch.cancel(job);
    sendJson(ctx.res, 200, batchJobJson(job));
  },
};

/** `DELETE /v1/batch/jobs/{job_id}`: stops the job if it runs, and forgets it. */
export const deleteBatchJob: RouteSpec = {
  body: 'none',
  service: 'files',
  handler(ctx) {
    const job = findJob(ctx);
    ctx.runtime.batch.delete(job.id);
    sendJson(ctx.res, 200, { id: job.id, object: 'batch', deleted: true });
  },
};
