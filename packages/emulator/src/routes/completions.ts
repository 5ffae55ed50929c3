import {
  completionBody,
  completionFrames,
  type CompletionMeta,
} from '../completions/completion-output.js';
import { prepareAgent, prepareChat } from '../completions/prepare-completion.js';
import { epochSeconds } from '../http/clock.js';
import { notFound, validationError } from '../http/http-error.js';
import { hexId } from '../http/ids.js';
import { sendJson } from '../http/respond.js';
import { playFrames } from '../http/sse.js';
import type { ModelRequest } from '../model/model-request.js';
import { checkModel } from '../models/check-model.js';
import type { ModelTurn } from '../model/scripted-model.js';
import type { ScenarioInput } from '../scenarios/scenario-matcher.js';
import { MidStreamError } from '../server/mid-stream-error.js';
import { completionDelay, runModelTurn } from '../server/model-call.js';
import type { RouteContext, RouteSpec } from '../server/route.js';
import { validateRequest } from '../validation/validate-request.js';

type Json = Record<string, unknown>;

/** `POST /v1/chat/completions`, streamed or not. */
export const chatCompletions: RouteSpec = {
  body: 'json',
  service: 'api',
  modelCall: true,
  async handler(ctx) {
    const body = ctx.body as Json;
    const issues = validateRequest('ChatCompletionRequest', body);
    if (issues.length > 0) throw validationError(issues);
    checkModel(ctx.runtime.models, body.model);
    const { model, request, scenario } = prepareChat(body);
    await complete(ctx, model, scenario, request);
  },
};

/** `POST /v1/agents/completions`, streamed or not; 404 for an unknown agent. */
export const agentsCompletions: RouteSpec = {
  body: 'json',
  service: 'api',
  modelCall: true,
  async handler(ctx) {
    const body = ctx.body as Json;
    const issues = validateRequest('AgentsCompletionRequest', body);
    if (issues.length > 0) throw validationError(issues);
    const agentId = body.agent_id as string;
    const agent = ctx.runtime.agents.get(agentId);
    if (!agent) throw notFound('Agent', agentId);
    const { model, request, scenario } = prepareAgent(body, agent);
    await complete(ctx, model, scenario, request);
  },
};

/** Runs the turn and answers it; a mid-stream scenario error sends the first chunk, then cuts the stream. */
async function complete(
  ctx: RouteContext,
  model: string,
  scenario: ScenarioInput,
  request: ModelRequest,
): Promise<void> {
  const meta = { id: hexId(), model, created: epochSeconds(ctx.runtime.clock.now()) };
  let turn: ModelTurn | undefined;
  try {
    turn = await runModelTurn(ctx, scenario, request);
  } catch (error) {
    if (!(error instanceof MidStreamError)) throw error;
    const empty: ModelTurn = {
      choices: [{ index: 0, content: '', pieces: [], toolCalls: [], finishReason: 'stop' }],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    };
    ctx.fault = { kind: 'drop-after', chunks: 0 };
    await sendCompletion(ctx, meta, empty, true);
    return;
  }
  if (turn) await sendCompletion(ctx, meta, turn, ctx.streaming);
}

/** Sends a chat completion as JSON or as an SSE stream, under the latency model and any drop fault. */
export async function sendCompletion(
  ctx: RouteContext,
  meta: CompletionMeta,
  turn: ModelTurn,
  stream: boolean,
): Promise<void> {
  const { runtime, res } = ctx;
  const { ttftMs, tokenMs } = runtime.options;
  if (!stream) {
    const delay = completionDelay(ctx, turn);
    if (delay > 0 && (!(await runtime.timers.sleep(delay)) || res.destroyed)) return;
    if (ctx.fault?.kind === 'drop-after') {
      res.destroy();
      return;
    }
    sendJson(res, 200, completionBody(meta, turn));
    return;
  }
  const { frames, delays, bodyFrames } = completionFrames(meta, turn, { ttftMs, tokenMs });
  const roleFrames = turn.choices.length;
  const dropAfterFrames =
    ctx.fault?.kind === 'drop-after'
      ? Math.min(roleFrames + ctx.fault.chunks, bodyFrames)
      : undefined;
  playFrames(res, frames, runtime.timers, {
    delays: ttftMs > 0 || tokenMs > 0 ? delays : undefined,
    dropAfterFrames,
    onEnd: runtime.stats.startStream(),
  });
}
