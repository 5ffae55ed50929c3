import type { AgentStore } from '../agents/agent-store.js';
import { completionBody } from '../completions/completion-output.js';
import {
  prepareAgent,
  prepareChat,
  type PreparedCompletion,
} from '../completions/prepare-completion.js';
import { epochSeconds } from '../http/clock.js';
import { hexId, uuid } from '../http/ids.js';
import { runScriptedModel, type ScriptedReply } from '../model/scripted-model.js';
import { countTokens } from '../model/tokenizer.js';
import { invalidModel } from '../models/check-model.js';
import type { ModelCatalogue } from '../models/model-catalogue.js';
import type { ScenarioMatcher } from '../scenarios/scenario-matcher.js';
import type { ValidationIssue } from '../validation/schema-types.js';
import { validateRequest } from '../validation/validate-request.js';
import type { BatchJobRecord } from './batch-job.js';
import { embed } from './embedding.js';

type Json = Record<string, unknown>;

/** What processing one line needs besides the line. */
export interface LineContext {
  job: BatchJobRecord;
  agents: AgentStore;
  models: ModelCatalogue;
  scenarios?: ScenarioMatcher;
  seed: number;
  now: () => number;
  /** True when an injected fault fails this line (global line rate, `partial` job fault). */
  injectFailure: (lineNumber: number) => boolean;
}

/** One line's result, serialised as an output-file or error-file line (with its newline). */
export interface LineResult {
  ok: boolean;
  text: string;
  /** The parsed line object, for inline `outputs`. */
  value: Json;
}

class LineError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: ValidationIssue[],
    /** The error body the real API answers with, when it has its own (an unknown model). */
    readonly body?: Json,
  ) {
    super(message);
  }
}

/** The endpoints batch jobs accept. */
export const batchEndpoints = new Set([
  '/v1/chat/completions',
  '/v1/agents/completions',
  '/v1/embeddings',
]);

/**
 * Runs one batch line and returns its output line, in the documented format
 * `{id, custom_id, response: {status_code, body}, error}`, or its error line
 * `{id, custom_id, line, response: {status_code, body}, error: {message, code}}` for a line that is
 * not JSON, lacks `custom_id` or `body`, has an invalid body, or fails by an injected fault.
 * `input` is the raw line (file jobs) or the request object (inline jobs).
 */
export function processLine(
  input: string | Json,
  lineNumber: number,
  ctx: LineContext,
): LineResult {
  const id = `batch-${ctx.job.id.replace(/-/g, '').slice(0, 8)}-${lineNumber}-${uuid()}`;
  let customId: string | null = null;
  try {
    let parsed: unknown = input;
    if (typeof input === 'string') {
      try {
        parsed = JSON.parse(input);
      } catch (error) {
        throw new LineError(
          400,
          'invalid_json',
          `Line ${lineNumber} is not valid JSON: ${(error as Error).message}`,
        );
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new LineError(400, 'invalid_request', `Line ${lineNumber} is not a JSON object`);
    }
    const request = parsed as Json;
    if (typeof request.custom_id === 'string' || typeof request.custom_id === 'number') {
      customId = String(request.custom_id);
    }
    if (customId === null && typeof input === 'string') {
      throw new LineError(400, 'missing_custom_id', `Line ${lineNumber} has no custom_id`);
    }
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new LineError(400, 'missing_body', `Line ${lineNumber} has no body object`);
    }
    if (ctx.injectFailure(lineNumber)) {
      throw new LineError(
        500,
        'emulator_fault',
        `Line ${lineNumber} failed (injected by the emulator)`,
      );
    }
    const responseBody = run(body as Json, lineNumber, ctx);
    const value = {
      id,
      custom_id: customId,
      response: { status_code: 200, body: responseBody },
      error: null,
    };
    return { ok: true, text: JSON.stringify(value) + '\n', value };
  } catch (error) {
    const e =
      error instanceof LineError
        ? error
        : new LineError(500, 'internal_error', `Line ${lineNumber}: ${String(error)}`);
    const errorBody: Json = e.body ?? {
      object: 'error',
      message: e.message,
      type: e.status >= 500 ? 'server_error' : 'invalid_request_error',
      param: null,
      code: e.code,
    };
    if (e.detail) errorBody.detail = e.detail;
    const value = {
      id,
      custom_id: customId,
      line: lineNumber,
      response: { status_code: e.status, body: errorBody },
      error: { message: e.message, code: e.code },
    };
    return { ok: false, text: JSON.stringify(value) + '\n', value };
  }
}

function invalid(lineNumber: number, issues: ValidationIssue[]): LineError {
  const summary = issues
    .slice(0, 3)
    .map((i) => `${i.loc.join('.')}: ${i.msg}`)
    .join('; ');
  return new LineError(
    422,
    'invalid_body',
    `Line ${lineNumber} has an invalid body: ${summary}`,
    issues,
  );
}

/** A line naming a model the emulator does not serve fails as the real API answers it: a 400. */
function checkLineModel(model: unknown, lineNumber: number, ctx: LineContext): void {
  if (typeof model !== 'string' || ctx.models.has(model)) return;
  const answer = invalidModel(model);
  throw new LineError(
    answer.status,
    'invalid_model',
    `Line ${lineNumber}: invalid model ${model}`,
    undefined,
    answer.body as Json,
  );
}

function run(body: Json, lineNumber: number, ctx: LineContext): Json {
  const { job } = ctx;
  if (body.stream === true)
    throw new LineError(
      400,
      'invalid_body',
      `Line ${lineNumber}: stream is not supported in a batch`,
    );
  if (job.endpoint === '/v1/embeddings') {
    const request: Json = { ...body, model: body.model ?? job.model };
    const issues = validateRequest('EmbeddingRequest', request);
    if (issues.length > 0) throw invalid(lineNumber, issues);
    checkLineModel(request.model, lineNumber, ctx);
    const inputs = Array.isArray(request.input)
      ? (request.input as string[])
      : [request.input as string];
    const tokens = inputs.reduce((n, text) => n + countTokens(text), 0);
    return {
      id: hexId(),
      object: 'list',
      model: request.model,
      data: inputs.map((text, index) => ({ object: 'embedding', embedding: embed(text), index })),
      usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens },
    };
  }
  const agentId = (body.agent_id as string | undefined) ?? job.agent_id ?? undefined;
  let prepared: PreparedCompletion;
  if (agentId !== undefined) {
    const { model: _ignored, ...rest } = body;
    const request = { ...rest, agent_id: agentId };
    const issues = validateRequest('AgentsCompletionRequest', request);
    if (issues.length > 0) throw invalid(lineNumber, issues);
    const agent = ctx.agents.get(agentId);
    if (!agent)
      throw new LineError(404, 'not_found', `Line ${lineNumber}: agent ${agentId} not found`);
    prepared = prepareAgent(request, agent, 'batch');
  } else {
    const request: Json = { ...body, model: body.model ?? job.model ?? undefined };
    if (request.model === undefined) delete request.model;
    const issues = validateRequest('ChatCompletionRequest', request);
    if (issues.length > 0) throw invalid(lineNumber, issues);
    checkLineModel(request.model, lineNumber, ctx);
    prepared = prepareChat(request, 'batch');
  }
  let reply: ScriptedReply | undefined;
  const outcome = ctx.scenarios?.match(prepared.scenario);
  if (outcome?.kind === 'reply') reply = outcome.reply;
  else if (outcome?.kind === 'error') {
    throw new LineError(
      outcome.status,
      'scenario_error',
      `Line ${lineNumber} failed: ${outcome.message}`,
    );
  } else if (outcome?.kind === 'fault' && outcome.fault.kind === 'status') {
    throw new LineError(
      outcome.fault.status,
      'emulator_fault',
      `Line ${lineNumber} failed (scenario fault)`,
    );
  }
  const turn = runScriptedModel(prepared.request, { seed: ctx.seed, reply });
  return completionBody(
    { id: hexId(), model: prepared.model, created: epochSeconds(ctx.now()) },
    turn,
  );
}
