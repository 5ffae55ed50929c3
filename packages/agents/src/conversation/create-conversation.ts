import {
  InvalidArgumentError,
  defaultStore,
  type RateLimiter,
  type Semaphore,
  type Store,
  type AgentEvents,
  type BackoffOptions,
} from '@mistral-flows/core';
import type { EventBus, StreamOptions } from '@mistral-flows/stream';
import type { Mistral } from '@mistralai/mistralai';
import { createActor, type AnyActorRef, type InspectionEvent, type Observer } from 'xstate';
import { AgentsError } from '../errors.js';
import { modelTurnInput, runToolsInput } from '../machine/conversation-machine.js';
import type {
  ConversationContext,
  ConversationMachineInput,
  ConversationMessage,
} from '../machine/types.js';
import { conversationKey, type PersistedConversation } from '../persistence/persistence.js';
import { indexTools, type AnyTool } from '../tools/define-tool.js';

export type { Conversation, ConversationStreamEvent };
import {
  streamingMode,
  wrapActor,
  type Conversation,
  type ConversationStreamEvent,
} from './conversation-handle.js';
import { sharedLogic } from './conversation-logic.js';

export interface ConversationOptions {
  client: Mistral;
  /** The agent to talk to (created with `ensureAgent`), or a `model` with `instructions`. */
  agentId?: string;
  model?: string;
  instructions?: string;
  tools?: AnyTool[];
  /**
   * Where snapshots go after every settled step (default: `defaultStore()` from core, files in
   * `.mistral-flows/store`). `false` keeps nothing, for conversations that need no durability:
   * the same turns, events and API, without building or writing a record (it cannot be resumed).
   */
  store?: Store | false;
  /** The conversation id (default: a random UUID). */
  id?: string;
  /** Tool rounds per turn before the model is asked for an answer without tools (default 10). */
  maxSteps?: number;
  /** Retries of a failed model call (default 3), with `backoff`. */
  maxRetries?: number;
  backoff?: BackoffOptions;
  /** `client` (default): history kept here; `server`: the Conversations API keeps it. */
  mode?: 'client' | 'server';
  /** Client mode: earlier messages the conversation starts from (they are stored with it). */
  history?: ConversationMessage[];
  /**
   * An actor that owns this conversation (an agent team's step): the conversation becomes its
   * child in its actor system, so the owner's inspection sees it (and `inspect` is not needed).
   */
  parent?: AnyActorRef;
  /** XState inspection, for example a visualizer's `inspect`. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Publishes `agent:turn-start`, `agent:tool-call`, `agent:tool-result`, `agent:turn-end`, `agent:error`. */
  bus?: EventBus<AgentEvents>;
  rateLimiter?: RateLimiter;
  /** Bounds the model calls in flight (shared by an agent system). */
  semaphore?: Semaphore;
  /** Passed to every model stream: `timeoutMs`, extra `headers`. */
  streamOptions?: Pick<StreamOptions, 'timeoutMs' | 'headers'>;
  /** Called before each tool execution (for metrics and tests). */
  onToolExecute?: (name: string) => void;
  /**
   * Whether model calls stream. `auto` (default): `stream(text)` turns always stream, and `send`
   * turns stream when something watches the text arrive (an `inspect` or a `bus`); otherwise a
   * `send` turn makes one plain request, which costs the client a fraction of a stream. `true`:
   * every turn streams; `false`: none does.
   */
  streaming?: boolean | 'auto';
}

/**
 * Starts a conversation with an agent (or a model) as an XState actor, persisted to a store after
 * every settled step so that `resumeConversation` can continue it after a crash.
 *
 * @example
 * const chat = createConversation({ client, agentId: reviewer.id, tools: [searchCodebase], store });
 * const turn = await chat.send('Review this function: ...');
 * console.log(turn.text, turn.toolResults);
 */
export function createConversation(options: ConversationOptions): Conversation {
  const id = options.id ?? crypto.randomUUID();
  validate(options);
  return startConversation(options, id, undefined);
}

/**
 * Continues a stored conversation where it stopped, in this or another process: an interrupted
 * model call is made again, tool calls whose results were stored are not executed again, and
 * approvals that were pending are still pending.
 */
export async function resumeConversation(
  id: string,
  options: Omit<ConversationOptions, 'id' | 'agentId' | 'model' | 'instructions' | 'mode'> & {
    store: Store;
  },
): Promise<Conversation> {
  if (typeof id !== 'string' || id === '')
    throw new InvalidArgumentError('id', 'a conversation id must be a non-empty string');
  const entry = await options.store.get<PersistedConversation>(conversationKey(id));
  if (!entry) throw new AgentsError('conversation_not_found', `No stored conversation "${id}"`);
  return startConversation(options, id, prepareForResume(entry.value.snapshot), entry.version);
}

/**
 * A persisted snapshot leaves out its children's inputs; they are rebuilt here from the stored
 * context, as the machine builds them. For `runTools` that means the calls still without a stored
 * result, so a call whose result was written before the crash is never executed again; for
 * `modelTurn`, the request of the interrupted model call.
 */
export function prepareForResume(snapshot: unknown): unknown {
  const s = structuredClone(snapshot) as {
    context: ConversationContext;
    children?: Record<string, { src?: unknown; snapshot?: { input?: unknown } }>;
  };
  if (!('config' in s.context)) s.context = upgradeFormat1(s.context);
  for (const child of Object.values(s.children ?? {})) {
    if (!child.snapshot) continue;
    if (child.src === 'runTools') child.snapshot.input = runToolsInput(s.context);
    else if (child.src === 'modelTurn') child.snapshot.input = modelTurnInput(s.context);
  }
  return s;
}

/** A format-1 context (every field at the top level) in today's shape. */
function upgradeFormat1(old: Record<string, unknown>): ConversationContext {
  const {
    mode,
    agentId,
    model,
    instructions,
    maxSteps,
    maxRetries,
    backoff,
    streamTurn,
    toolRounds,
    steps,
    turnResults,
    finalAnswerOnly,
    stopReason,
    previousCallSignature,
    retryAttempt,
    retryDelayMs,
    turnUsage,
    ...rest
  } = old;
  return {
    ...rest,
    config: { mode, agentId, model, instructions, maxSteps, maxRetries, backoff },
    current: {
      stream: streamTurn,
      toolRounds,
      steps,
      results: turnResults,
      finalAnswerOnly,
      stopReason,
      previousCallSignature,
      retryAttempt,
      retryDelayMs,
      usage: turnUsage,
    },
  } as ConversationContext;
}

/** The machine's input for conversation `id` from the options. */
export function machineInput(
  options: Pick<
    ConversationOptions,
    | 'mode'
    | 'agentId'
    | 'model'
    | 'instructions'
    | 'maxSteps'
    | 'maxRetries'
    | 'backoff'
    | 'history'
  >,
  id: string,
): ConversationMachineInput {
  return {
    id,
    mode: options.mode ?? 'client',
    ...(options.agentId ? { agentId: options.agentId } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.instructions ? { instructions: options.instructions } : {}),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.history?.length ? { messages: options.history } : {}),
  };
}

function startConversation(
  options: ConversationOptions,
  id: string,
  snapshot: unknown,
  version = 0,
): Conversation {
  const tools = indexTools(options.tools ?? []);
  const store = options.store === false ? undefined : (options.store ?? defaultStore());
  const logic = sharedLogic(options, tools);
  const input = machineInput(options, id);
  // With a snapshot, the input is ignored: everything comes from the stored context.
  const actor = createActor(logic, {
    input,
    // A readable actor id, for the visualizer and inspection logs.
    id: `conversation:${id}`,
    ...(snapshot ? { snapshot: snapshot as never } : {}),
    // A child shares its parent's system, whose inspection already sees it.
    ...(options.parent ? { parent: options.parent } : {}),
    ...(options.inspect && !options.parent ? { inspect: options.inspect } : {}),
  });
  return wrapActor(actor, {
    id,
    store,
    bus: options.bus,
    version,
    streaming: streamingMode(options),
    owned: options.parent !== undefined,
  });
}

function validate(options: ConversationOptions): void {
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError('options', 'expected an options object');
  if (!options.client)
    throw new InvalidArgumentError('client', 'a Mistral client is required (createClient())');
  if (!options.agentId === !options.model) {
    throw new InvalidArgumentError('agentId', 'give exactly one of agentId and model');
  }
  if (
    options.maxSteps !== undefined &&
    !(Number.isInteger(options.maxSteps) && options.maxSteps >= 1)
  ) {
    throw new InvalidArgumentError(
      'maxSteps',
      `expected an integer >= 1, got ${String(options.maxSteps)}`,
    );
  }
  if (
    options.maxRetries !== undefined &&
    !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)
  ) {
    throw new InvalidArgumentError(
      'maxRetries',
      `expected an integer >= 0, got ${String(options.maxRetries)}`,
    );
  }
  if (
    options.store !== undefined &&
    options.store !== false &&
    (typeof options.store !== 'object' || typeof options.store.set !== 'function')
  ) {
    throw new InvalidArgumentError('store', 'expected a Store, or false to keep nothing');
  }
  if (options.history !== undefined && !Array.isArray(options.history)) {
    throw new InvalidArgumentError('history', 'expected an array of messages');
  }
  if (options.history?.length && options.mode === 'server') {
    throw new InvalidArgumentError('history', 'a server-mode conversation starts empty');
  }
  if (options.mode !== undefined && options.mode !== 'client' && options.mode !== 'server') {
    throw new InvalidArgumentError(
      'mode',
      `expected 'client' or 'server', got ${String(options.mode)}`,
    );
  }
}
