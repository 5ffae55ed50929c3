import {
  clientTimeoutMs,
  withRequestSignal,
  toApiError,
  type RateLimiter,
  type Semaphore,
} from '@mistral-flows/core';
import {
  agentStream,
  chatStream,
  conversationStream,
  type StreamError,
  type StreamEvent,
  type StreamOptions,
} from '@mistral-flows/stream';
import type { Mistral } from '@mistralai/mistralai';
import type { InputEntries } from '@mistralai/mistralai/models/components';
import type { Observable, Subscription } from 'rxjs';
import { fromCallback, type EventObject } from 'xstate';
import type { AnyTool } from '../tools/define-tool.js';
import type { ConversationEvent, ConversationMessage, ModelTurnInput, TurnError } from './types.js';

export interface ModelTurnDeps {
  client: Mistral;
  tools: ReadonlyMap<string, AnyTool>;
  /** Shared budget of model calls (requests per interval, tokens per minute). */
  rateLimiter?: RateLimiter;
  /** Bound on model calls in flight (an agent system's `maxConcurrentTurns`). */
  semaphore?: Semaphore;
  /** Passed to every stream: a timeout, extra headers. */
  streamOptions?: Pick<StreamOptions, 'timeoutMs' | 'headers'>;
}

/**
 * The `modelTurn` actor: one streamed model call. Client mode sends the whole history to
 * `agents.stream` (with an agent id) or `chat.stream` (with a model); server mode starts or
 * appends to a Conversations API conversation with the messages it does not have yet. Deltas,
 * the end and failures go back to the machine as `model.*` events; stopping the actor aborts the
 * HTTP request. Retries are the machine's (`retrying` state), so the stream does not retry.
 */
export function modelTurnActor(deps: ModelTurnDeps) {
  return fromCallback<EventObject, ModelTurnInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    let subscription: Subscription | undefined;
    let release: (() => void) | undefined;
    /** The call ended by itself: nothing is left to abort. */
    let finished = false;
    const done = () => {
      finished = true;
      release?.();
    };
    const send = (event: ConversationEvent) => {
      if (!controller.signal.aborted) sendBack(event);
    };
    const run = async () => {
      if (deps.semaphore) release = await deps.semaphore.acquire({ signal: controller.signal });
      if (deps.rateLimiter) await deps.rateLimiter.acquire({ signal: controller.signal });
      if (controller.signal.aborted) return;
      if (!input.stream) {
        const end = await completeOnce(deps, input, controller.signal);
        done();
        send(end);
        return;
      }
      const coalesce = deltaCoalescer(send);
      subscription = openStream(deps, input).subscribe({
        next: (event) => {
          if (event.type === 'text-delta') return coalesce.add(event.text);
          coalesce.flush();
          onEvent(event, deps, send);
        },
        error: (error: unknown) => {
          done();
          coalesce.flush();
          send({ type: 'model.error', error: toTurnError(error) });
        },
        complete: done,
      });
    };
    run().catch((error: unknown) => {
      done();
      if (!controller.signal.aborted)
        send({ type: 'model.error', error: toTurnError(toApiError(error)) });
    });
    return () => {
      if (!finished) controller.abort();
      subscription?.unsubscribe();
      release?.();
    };
  });
}

/**
 * One model call without streaming (`agents.complete`, `chat.complete`, or the Conversations
 * API's `start`/`append`), for turns nobody watches arrive: the same `model.end`, at a fraction of
 * a stream's cost.
 */
async function completeOnce(
  deps: ModelTurnDeps,
  input: ModelTurnInput,
  controllerSignal: AbortSignal,
): Promise<ConversationEvent> {
  // The SDK drops its own timeout when a request carries a signal: add it back, with a timer
  // released as soon as the call settles.
  const timeoutMs = deps.streamOptions?.timeoutMs ?? clientTimeoutMs(deps.client);
  return withRequestSignal(controllerSignal, timeoutMs, (signal) =>
    completeRequest(deps, input, {
      signal,
      ...(deps.streamOptions?.headers ? { headers: deps.streamOptions.headers } : {}),
    }),
  );
}

async function completeRequest(
  deps: ModelTurnDeps,
  input: ModelTurnInput,
  options: { signal: AbortSignal; headers?: Record<string, string> },
): Promise<ConversationEvent> {
  const tools = [...deps.tools.values()].map((t) => t.toApiTool());
  const toolFields = tools.length > 0 ? { tools, toolChoice: input.toolChoice } : {};
  if (input.mode === 'server') {
    const completionArgs = tools.length > 0 ? { toolChoice: input.toolChoice } : undefined;
    const response = input.serverConversationId
      ? await deps.client.beta.conversations.append(
          {
            conversationId: input.serverConversationId,
            conversationAppendRequest: {
              ...appendBody(input.unsynced),
              ...(completionArgs ? { completionArgs } : {}),
            },
          },
          options,
        )
      : await deps.client.beta.conversations.start(startRequest(input, tools), options);
    let text = '';
    const toolCalls: ModelEnd['toolCalls'] = [];
    const handoffs: Array<{ from: string; to: string; toAgentId: string }> = [];
    for (const entry of response.outputs) {
      if (entry.type === 'message.output')
        text += typeof entry.content === 'string' ? entry.content : contentText(entry.content);
      if (entry.type === 'agent.handoff') {
        handoffs.push({
          from: entry.previousAgentName || entry.previousAgentId,
          to: entry.nextAgentName || entry.nextAgentId,
          toAgentId: entry.nextAgentId,
        });
      }
      if (entry.type === 'function.call') {
        const args =
          typeof entry.arguments === 'string' ? entry.arguments : JSON.stringify(entry.arguments);
        toolCalls.push(
          toolCallOf(deps, {
            id: entry.toolCallId,
            name: entry.name,
            rawArguments: args,
            arguments: parseJson(args),
            pending: entry.confirmationStatus === 'pending',
          }),
        );
      }
    }
    const last = handoffs.at(-1);
    return {
      type: 'model.end',
      text,
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      usage: toUsage(response.usage),
      toolCalls,
      serverConversationId: response.conversationId,
      ...(last
        ? {
            author: { agentId: last.toAgentId, agentName: last.to },
            handoffs: handoffs.map(({ from, to }) => ({ from, to })),
          }
        : {}),
    };
  }
  const system =
    input.instructions && !input.agentId
      ? [{ role: 'system' as const, content: input.instructions }]
      : [];
  const messages = [...system, ...toSdkMessages(input.messages)];
  const response = input.agentId
    ? await deps.client.agents.complete(
        { agentId: input.agentId, messages, ...toolFields },
        options,
      )
    : await deps.client.chat.complete({ model: input.model!, messages, ...toolFields }, options);
  const choice = response.choices[0];
  const message = choice?.message;
  return {
    type: 'model.end',
    text: typeof message?.content === 'string' ? message.content : contentText(message?.content),
    finishReason: choice?.finishReason ?? 'stop',
    usage: toUsage(response.usage),
    toolCalls: (message?.toolCalls ?? []).map((call, index) => {
      const args =
        typeof call.function.arguments === 'string'
          ? call.function.arguments
          : JSON.stringify(call.function.arguments);
      return {
        id: call.id && call.id !== 'null' ? call.id : `call_${index}`,
        name: call.function.name,
        arguments: args,
        needsApproval: needsApproval(deps.tools, call.function.name, parseJson(args)),
      };
    }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Usage as core's type, from the SDK's. */
function toUsage(
  usage: { promptTokens?: number; completionTokens?: number; totalTokens?: number } | undefined,
) {
  const promptTokens = usage?.promptTokens ?? 0;
  const completionTokens = usage?.completionTokens ?? 0;
  return {
    promptTokens,
    completionTokens,
    totalTokens: usage?.totalTokens ?? promptTokens + completionTokens,
  };
}

/** The text of content given as a string or as chunks. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as Array<{ type?: string; text?: unknown }>)
    .map((c) => (c?.type === 'text' && typeof c.text === 'string' ? c.text : ''))
    .join('');
}

function openStream(deps: ModelTurnDeps, input: ModelTurnInput): Observable<StreamEvent> {
  const options: StreamOptions = { ...deps.streamOptions, retry: false };
  const tools = [...deps.tools.values()].map((t) => t.toApiTool());
  const toolFields = tools.length > 0 ? { tools, toolChoice: input.toolChoice } : {};
  if (input.mode === 'server') {
    const completionArgs = tools.length > 0 ? { toolChoice: input.toolChoice } : undefined;
    if (input.serverConversationId) {
      return conversationStream(
        deps.client,
        {
          action: 'append',
          conversationId: input.serverConversationId,
          ...appendBody(input.unsynced),
          ...(completionArgs ? { completionArgs } : {}),
        },
        options,
      );
    }
    return conversationStream(deps.client, startRequest(input, tools), options);
  }
  if (input.agentId) {
    return agentStream(
      deps.client,
      { agentId: input.agentId, messages: toSdkMessages(input.messages), ...toolFields },
      options,
    );
  }
  const system = input.instructions
    ? [{ role: 'system' as const, content: input.instructions }]
    : [];
  return chatStream(
    deps.client,
    { model: input.model!, messages: [...system, ...toSdkMessages(input.messages)], ...toolFields },
    options,
  );
}

/** The Conversations API's start request for a turn (streamed or not). */
function startRequest(input: ModelTurnInput, tools: ReturnType<AnyTool['toApiTool']>[]) {
  return {
    inputs: toEntries(input.unsynced),
    store: true,
    ...(input.agentId
      ? { agentId: input.agentId }
      : {
          model: input.model!,
          ...(input.instructions ? { instructions: input.instructions } : {}),
        }),
    ...(tools.length > 0 ? { tools, completionArgs: { toolChoice: input.toolChoice } } : {}),
  };
}

/**
 * Merges the text deltas that arrive in one burst (one turn of the event loop) into one
 * `model.delta`. A model streaming at its own pace gets one event per chunk; a burst of chunks
 * read from one network packet costs the machine one context update instead of dozens.
 */
function deltaCoalescer(send: (event: ConversationEvent) => void) {
  let pending = '';
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (pending === '') return;
    const text = pending;
    pending = '';
    send({ type: 'model.delta', text });
  };
  return {
    add(text: string) {
      pending += text;
      scheduled ??= setImmediate(flush);
    },
    flush,
  };
}

function onEvent(
  event: StreamEvent,
  deps: ModelTurnDeps,
  send: (event: ConversationEvent) => void,
): void {
  switch (event.type) {
    case 'text-delta':
      send({ type: 'model.delta', text: event.text });
      return;
    case 'restart':
      send({ type: 'model.restart' });
      return;
    case 'response-end':
      send({
        type: 'model.end',
        text: event.text,
        finishReason: event.finishReason,
        usage: event.usage,
        toolCalls: event.toolCalls.map((call) =>
          toolCallOf(deps, { ...call, pending: call.confirmation === 'pending' }),
        ),
        ...(event.conversationId ? { serverConversationId: event.conversationId } : {}),
        ...(event.agent ? { author: event.agent } : {}),
        ...(event.handoffs
          ? { handoffs: event.handoffs.map(({ from, to }) => ({ from, to })) }
          : {}),
      });
      return;
    default:
      return;
  }
}

type ModelEnd = Extract<ConversationEvent, { type: 'model.end' }>;

/**
 * A call of the model's answer as the machine takes it. A platform tool's call the API holds for
 * confirmation needs approval whatever the local tools say, and never runs here.
 */
function toolCallOf(
  deps: ModelTurnDeps,
  call: { id: string; name: string; rawArguments: string; arguments: unknown; pending: boolean },
): ModelEnd['toolCalls'][number] {
  if (call.pending) {
    return {
      id: call.id,
      name: call.name,
      arguments: call.rawArguments,
      needsApproval: true,
      platform: true,
    };
  }
  return {
    id: call.id,
    name: call.name,
    arguments: call.rawArguments,
    needsApproval: needsApproval(deps.tools, call.name, call.arguments),
  };
}

/**
 * An append's body from the messages the server lacks: user messages and tool results as input
 * entries, decisions on platform calls as `toolConfirmations`.
 */
function appendBody(unsynced: readonly ConversationMessage[]) {
  const inputs = toEntries(unsynced);
  const toolConfirmations = unsynced.flatMap((m) =>
    m.role === 'tool' && m.confirmation
      ? [{ toolCallId: m.toolCallId, confirmation: m.confirmation }]
      : [],
  );
  return {
    ...(inputs.length > 0 || toolConfirmations.length === 0 ? { inputs } : {}),
    ...(toolConfirmations.length > 0 ? { toolConfirmations } : {}),
  };
}

function needsApproval(tools: ReadonlyMap<string, AnyTool>, name: string, args: unknown): boolean {
  const tool = tools.get(name);
  if (!tool) return false;
  const parsed = tool.parameters.safeParse(args);
  // Invalid arguments never reach execute(): nothing to approve, the model gets the reason.
  if (!parsed.success) return false;
  try {
    return tool.needsApproval(parsed.data);
  } catch {
    return true;
  }
}

export function toTurnError(error: unknown): TurnError {
  const e = error as Partial<StreamError> & { message?: string };
  const out: TurnError = {
    code: typeof e.code === 'string' ? e.code : 'unknown',
    message: typeof e.message === 'string' ? e.message : String(error),
    retryable: e.retryable === true,
  };
  if (typeof e.status === 'number') out.status = e.status;
  if (typeof e.retryAfterMs === 'number') out.retryAfterMs = e.retryAfterMs;
  return out;
}

type SdkMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string;
      toolCalls?: Array<{
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }>;
    }
  | { role: 'tool'; content: string; toolCallId: string; name: string };

/**
 * History messages in the SDK's shape. Only an assistant message with tool calls differs from it;
 * every other message is passed as it is (the SDK copies what it sends and changes nothing).
 */
export function toSdkMessages(messages: readonly ConversationMessage[]): SdkMessage[] {
  return messages.map((m): SdkMessage => {
    if (m.role !== 'assistant') return m;
    const { toolCalls, content } = m;
    // Without tool calls the message has exactly the SDK's fields.
    if (toolCalls === undefined) return m as Extract<SdkMessage, { role: 'assistant' }>;
    if (toolCalls.length === 0) return { role: 'assistant', content };
    return {
      role: 'assistant',
      content,
      toolCalls: toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      })),
    };
  });
}

/** Messages as Conversations API input entries (server mode sends only what the server lacks). */
function toEntries(messages: readonly ConversationMessage[]): InputEntries[] {
  return messages.flatMap((m): InputEntries[] => {
    switch (m.role) {
      case 'user':
        return [{ type: 'message.input' as const, role: 'user' as const, content: m.content }];
      case 'tool':
        // A platform call's decision travels as a tool confirmation, not as a result.
        if (m.confirmation) return [];
        return [{ type: 'function.result' as const, toolCallId: m.toolCallId, result: m.content }];
      case 'assistant':
      case 'system':
        return [];
    }
  });
}
