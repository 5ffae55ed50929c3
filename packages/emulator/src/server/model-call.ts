import { HttpError } from '../http/http-error.js';
import type { ModelRequest } from '../model/model-request.js';
import { runScriptedModel, type ModelTurn } from '../model/scripted-model.js';
import type { ScenarioInput } from '../scenarios/scenario-matcher.js';
import { applyFault } from './apply-fault.js';
import { MidStreamError } from './mid-stream-error.js';
import type { RouteContext } from './route.js';

/**
 * Runs one model turn: a matching scenario rule may answer with an error, inject a fault or give
 * the exact reply; otherwise the scripted model generates it. Returns undefined when a fault
 * already dealt with the request; throws `MidStreamError` for a mid-stream scenario error on a
 * streamed request.
 */
export async function runModelTurn(
  ctx: RouteContext,
  scenario: ScenarioInput,
  request: ModelRequest,
): Promise<ModelTurn | undefined> {
  const { runtime } = ctx;
  const outcome = runtime.scenarios?.match(scenario);
  let reply;
  if (outcome?.kind === 'fault') {
    if (await applyFault(ctx, outcome.fault, true)) return undefined;
  } else if (outcome?.kind === 'error' && outcome.midStream && ctx.streaming) {
    throw new MidStreamError(outcome.status, outcome.message);
  } else if (outcome?.kind === 'error') {
    const headers: Record<string, string> = {};
    if (outcome.retryAfter !== undefined) headers['retry-after'] = String(outcome.retryAfter);
    throw new HttpError(outcome.status, outcome.body, headers);
  } else if (outcome?.kind === 'reply') {
    reply = outcome.reply;
  }
  const turn = runScriptedModel(request, { seed: runtime.options.seed, reply });
  runtime.rateLimits?.charge(ctx.res, turn.usage.total_tokens);
  for (const choice of turn.choices) runtime.stats.toolCalls += choice.toolCalls.length;
  return turn;
}

/** Total wait of a non-streamed answer under the latency model. */
export function completionDelay(ctx: RouteContext, turn: ModelTurn): number {
  const { ttftMs, tokenMs } = ctx.runtime.options;
  if (ttftMs === 0 && tokenMs === 0) return 0;
  const pieces = Math.max(
    1,
    ...turn.choices.map((c) => c.pieces.length + (c.toolCalls.length > 0 ? 1 : 0)),
  );
  return ttftMs + tokenMs * (pieces - 1);
}
