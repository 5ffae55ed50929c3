import { agentJson } from '../agents/agent-store.js';
import { conversationFrames } from '../conversations/conversation-events.js';
import { conversationJson, type StoredConversation } from '../conversations/conversation-store.js';
import {
  agentResponder,
  runConversationTurn,
  type Responder,
  type TurnResult,
} from '../conversations/conversation-turn.js';
import type { ToolConfirmation } from '../conversations/tool-confirmations.js';
import { isoTime } from '../http/clock.js';
import { notFound, validationError } from '../http/http-error.js';
import { checkModel } from '../models/check-model.js';
import { prefixedId } from '../http/ids.js';
import { pageItems, pageParams } from '../http/pagination.js';
import { jsonObjectParam, metadataMatches } from '../http/query-params.js';
import { sendJson, sendNoContent } from '../http/respond.js';
import { eventFrame, playFrames } from '../http/sse.js';
import { MidStreamError } from '../server/mid-stream-error.js';
import type { RouteContext, RouteSpec } from '../server/route.js';
import { validateRequest } from '../validation/validate-request.js';

type Json = Record<string, unknown>;

/** Id prefixes by entry type (a Map: the type comes from the client). */
const entryPrefixes = new Map([
  ['message.input', 'msg_'],
  ['message.output', 'msg_'],
  ['function.call', 'fc_'],
  ['function.result', 'fr_'],
  ['tool.execution', 'tool_exec_'],
  ['agent.handoff', 'handoff_'],
]);

/** Client inputs as stored entries: a string becomes one user `message.input`. */
function inputEntries(ctx: RouteContext, inputs: unknown): Json[] {
  const created_at = isoTime(ctx.runtime.clock.now());
  if (inputs === undefined || inputs === null) return [];
  if (typeof inputs === 'string') {
    return [
      {
        object: 'entry',
        type: 'message.input',
        created_at,
        completed_at: null,
        id: prefixedId('msg_'),
        role: 'user',
        content: inputs,
        prefix: false,
      },
    ];
  }
  return (inputs as Json[]).map((entry) => {
    const type =
      (entry.type as string | undefined) ??
      ('tool_call_id' in entry ? 'function.result' : 'message.input');
    return {
      object: 'entry',
      type,
      created_at,
      completed_at: null,
      id: prefixedId(entryPrefixes.get(type) ?? 'entry_'),
      ...entry,
      ...(type === 'message.input' ? { prefix: entry.prefix ?? false } : {}),
    };
  });
}

function findConversation(ctx: RouteContext, id = ctx.params.conversation_id!): StoredConversation {
  const conversation = ctx.runtime.conversations.get(id);
  if (!conversation) throw notFound('Conversation', id);
  return conversation;
}

/** Who answers in a stored conversation: its agent (at its version) or its model and settings. */
function responderFor(
  ctx: RouteContext,
  conversation: StoredConversation,
  agentVersion?: unknown,
): Responder {
  if (conversation.agentId !== undefined) {
    const agent = ctx.runtime.agents.get(conversation.agentId);
    if (!agent) throw notFound('Agent', conversation.agentId);
    const ref = (agentVersion ?? conversation.agentVersion) as string | number | null | undefined;
    const version = ctx.runtime.agents.resolveVersion(agent, ref);
    if (version === undefined) throw notFound(`Version ${String(ref)} of agent`, agent.id);
    return agentResponder(agentJson(agent, version));
  }
  return {
    model: conversation.model!,
    instructions: conversation.instructions,
    tools: conversation.tools,
    completionArgs: conversation.completionArgs,
    handoffs: null,
  };
}

/** Answers a turn as a ConversationResponse or as a stream of conversation events. */
function respond(
  ctx: RouteContext,
  conversationId: string,
  result: TurnResult,
  stream: boolean,
): void {
  const { runtime, res } = ctx;
  if (!stream) {
    sendJson(res, 200, {
      object: 'conversation.response',
      conversation_id: conversationId,
      outputs: result.outputs,
      usage: result.usage,
    });
    return;
  }
  const { ttftMs, tokenMs } = runtime.options;
  const { frames, delays, deltaFrames } = conversationFrames(
    conversationId,
    result,
    runtime.clock.now(),
    { ttftMs, tokenMs },
  );
  let dropAfterFrames: number | undefined;
  if (ctx.fault?.kind === 'drop-after') {
    const n = ctx.fault.chunks;
    dropAfterFrames =
      n === 0 ? 1 : n <= deltaFrames.length ? deltaFrames[n - 1]! + 1 : frames.length - 1;
  }
  playFrames(res, frames, runtime.timers, {
    delays: ttftMs > 0 || tokenMs > 0 ? delays : undefined,
    dropAfterFrames,
    onEnd: runtime.stats.startStream(),
  });
}

/**
 * Answers a mid-stream scenario error: `conversation.response.started`, then
 * `conversation.response.error` with the message and status code, then the end of the stream.
 */
function respondMidStreamError(
  ctx: RouteContext,
  conversationId: string,
  error: MidStreamError,
): void {
  const created_at = isoTime(ctx.runtime.clock.now());
  const frames = [
    eventFrame(
      'conversation.response.started',
      JSON.stringify({
        type: 'conversation.response.started',
        created_at,
        conversation_id: conversationId,
      }),
    ),
    eventFrame(
      'conversation.response.error',
      JSON.stringify({
        type: 'conversation.response.error',
        created_at,
        message: error.message,
        code: error.status,
      }),
    ),
  ];
  playFrames(ctx.res, frames, ctx.runtime.timers, { onEnd: ctx.runtime.stats.startStream() });
}

/** Runs a turn; false when a fault or a mid-stream error already answered the request. */
async function turnOrError(
  ctx: RouteContext,
  conversationId: string,
  run: () => Promise<TurnResult | undefined>,
): Promise<TurnResult | undefined> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof MidStreamError)) throw error;
    respondMidStreamError(ctx, conversationId, error);
    return undefined;
  }
}

/** Waits out the latency of a non-streamed turn; false when the client left or the emulator closed. */
async function waitLatency(
  ctx: RouteContext,
  result: TurnResult,
  stream: boolean,
): Promise<boolean> {
  const { ttftMs, tokenMs } = ctx.runtime.options;
  if (stream || (ttftMs === 0 && tokenMs === 0)) return true;
  const pieces = Math.max(1, ...[...result.pieces.values()].map((p) => p.length));
  const ok = await ctx.runtime.timers.sleep(ttftMs + tokenMs * (pieces - 1));
  if (!ok || ctx.res.destroyed) return false;
  if (ctx.fault?.kind === 'drop-after') {
    ctx.res.destroy();
    return false;
  }
  return true;
}

/** Where a turn runs and what it follows. */
interface TurnTarget {
  /** The conversation that answers and keeps the turn. */
  conversation: StoredConversation;
  /** The entries before the new inputs. */
  history: Json[];
  /** The request's `completion_args` (append, restart); a start's are the conversation's own. */
  completionArgs: Json | null;
  /** A new conversation (start, restart) is saved; an existing one (append) is updated. */
  created: boolean;
}

/**
 * Serves one turn of start, append or restart: the inputs become entries after the history, the
 * conversation's model or agent answers, the entries are kept unless `store: false`, and the
 * answer goes out (JSON or events) after the latency. `target` is read when the turn begins: with
 * `lock`, the turns of that conversation run one after the other, from reading its entries to
 * storing the new ones, so that appends sent together all keep their entries.
 */
async function serveTurn(
  ctx: RouteContext,
  body: Json,
  target: () => TurnTarget,
  lock?: string,
): Promise<void> {
  const run = async () => {
    const { conversation, history, completionArgs, created } = target();
    const responder = responderFor(ctx, conversation);
    const result = await turnOrError(ctx, conversation.id, () =>
      runConversationTurn(ctx, {
        history,
        inputs: inputEntries(ctx, body.inputs),
        responder,
        completionArgs,
        handoffExecution: body.handoff_execution === 'client' ? 'client' : 'server',
        confirmations: (body.tool_confirmations as ToolConfirmation[] | null | undefined) ?? [],
      }),
    );
    if (result && body.store !== false) {
      conversation.entries = [...result.entries, ...result.outputs];
      if (created) ctx.runtime.conversations.save(conversation);
      else conversation.updatedAt = ctx.runtime.clock.now();
    }
    return result && { id: conversation.id, result };
  };
  const turn =
    lock === undefined ? await run() : await ctx.runtime.conversations.exclusive(lock, run);
  const stream = body.stream === true;
  if (turn && (await waitLatency(ctx, turn.result, stream)))
    respond(ctx, turn.id, turn.result, stream);
}

/** A new conversation from a start request (already validated). */
function newConversation(ctx: RouteContext, body: Json): StoredConversation {
  const now = ctx.runtime.clock.now();
  const hasAgent = typeof body.agent_id === 'string';
  return {
    id: prefixedId('conv_'),
    createdAt: now,
    updatedAt: now,
    model: hasAgent ? undefined : (body.model as string),
    agentId: hasAgent ? (body.agent_id as string) : undefined,
    agentVersion: (body.agent_version as string | number | null | undefined) ?? null,
    instructions: (body.instructions as string | null | undefined) ?? null,
    tools: (body.tools as Json[] | null | undefined) ?? [],
    completionArgs: (body.completion_args as Json | null | undefined) ?? {},
    guardrails: (body.guardrails as Json[] | null | undefined) ?? null,
    name: (body.name as string | null | undefined) ?? null,
    description: (body.description as string | null | undefined) ?? null,
    metadata: (body.metadata as Json | null | undefined) ?? null,
    entries: [],
  };
}

/** `POST /v1/conversations`: start a conversation with a model or an agent. */
export const startConversation: RouteSpec = {
  body: 'json',
  service: 'api',
  modelCall: true,
  async handler(ctx) {
    const body = ctx.body as Json;
    const issues = validateRequest('ConversationRequestBase', body);
    if (issues.length > 0) throw validationError(issues);
    if ((typeof body.agent_id === 'string') === (typeof body.model === 'string')) {
      throw validationError([
        {
          type: 'value_error',
          loc: ['body'],
          msg: 'Value error, exactly one of model or agent_id must be given',
          input: body,
        },
      ]);
    }
    checkModel(ctx.runtime.models, body.model);
    await serveTurn(ctx, body, () => ({
      conversation: newConversation(ctx, body),
      history: [],
      completionArgs: null,
      created: true,
    }));
  },
};

/**
 * `POST /v1/conversations/{conversation_id}`: append entries and run a turn, after the turns of
 * this conversation already running.
 */
export const appendConversation: RouteSpec = {
  body: 'json',
  service: 'api',
  modelCall: true,
  async handler(ctx) {
    const { id } = findConversation(ctx);
    const body = ctx.body as Json;
    const issues = validateRequest('AppendConversationRequest', body);
    if (issues.length > 0) throw validationError(issues);
    await serveTurn(
      ctx,
      body,
      () => {
        const conversation = findConversation(ctx);
        return {
          conversation,
          history: conversation.entries,
          completionArgs: body.completion_args as Json | null,
          created: false,
        };
      },
      id,
    );
  },
};

/**
 * `POST /v1/conversations/{conversation_id}/restart`: a new conversation with the entries up to and
 * including `from_entry_id`, then the new inputs and a turn.
 */
export const restartConversation: RouteSpec = {
  body: 'json',
  service: 'api',
  modelCall: true,
  async handler(ctx) {
    const source = findConversation(ctx);
    const body = ctx.body as Json;
    const issues = validateRequest('RestartConversationRequest', body);
    if (issues.length > 0) throw validationError(issues);
    const index = source.entries.findIndex((e) => e.id === body.from_entry_id);
    if (index < 0) throw notFound('Entry', String(body.from_entry_id));
    const now = ctx.runtime.clock.now();
    const conversation: StoredConversation = {
      ...source,
      id: prefixedId('conv_'),
      createdAt: now,
      updatedAt: now,
      agentVersion:
        (body.agent_version as string | number | null | undefined) ?? source.agentVersion,
      metadata: (body.metadata as Json | null | undefined) ?? source.metadata,
      guardrails: (body.guardrails as Json[] | null | undefined) ?? source.guardrails,
    };
    await serveTurn(ctx, body, () => ({
      conversation,
      history: source.entries.slice(0, index + 1),
      completionArgs: body.completion_args as Json | null,
      created: true,
    }));
  },
};

/** `GET /v1/conversations`: a bare array, newest first. */
export const listConversations: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const page = pageParams(ctx.query, 100, 1000);
    const metadata = jsonObjectParam(ctx.query, 'metadata');
    const all = ctx.runtime.conversations
      .list()
      .filter((c) => !metadata || metadataMatches(c.metadata, metadata))
      .reverse()
      .map(conversationJson);
    sendJson(ctx.res, 200, pageItems(all, page));
  },
};

/** `GET /v1/conversations/{conversation_id}` */
export const getConversation: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    sendJson(ctx.res, 200, conversationJson(findConversation(ctx)));
  },
};

/** `DELETE /v1/conversations/{conversation_id}`: 204. */
export const deleteConversation: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    findConversation(ctx);
    ctx.runtime.conversations.delete(ctx.params.conversation_id!);
    sendNoContent(ctx.res);
  },
};

/** `GET /v1/conversations/{conversation_id}/history`: every entry. */
export const conversationHistory: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const c = findConversation(ctx);
    sendJson(ctx.res, 200, {
      object: 'conversation.history',
      conversation_id: c.id,
      entries: c.entries,
    });
  },
};

/** `GET /v1/conversations/{conversation_id}/messages`: message inputs and outputs only. */
export const conversationMessages: RouteSpec = {
  body: 'none',
  service: 'api',
  handler(ctx) {
    const c = findConversation(ctx);
    const messages = c.entries.filter(
      (e) => e.type === 'message.input' || e.type === 'message.output',
    );
    sendJson(ctx.res, 200, { object: 'conversation.messages', conversation_id: c.id, messages });
  },
};
