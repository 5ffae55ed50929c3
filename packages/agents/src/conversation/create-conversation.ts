import { mkdirSync } from 'node:fs';
import {
  InvalidArgumentError,
  SqliteStore,
  type RateLimiter,
  type Semaphore,
  type Store,
  type AgentEvents,
  type BackoffOptions,
} from '@mistral-flows/core';
import type { EventBus, StreamOptions } from '@mistral-flows/stream';
import type { Mistral } from '@mistralai/mistralai';
import { Observable } from 'rxjs';
import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { AgentsError } from '../errors.js';
import {
  conversationMachine,
  modelTurnInput,
  runToolsInput,
  type ConversationActor,
} from '../machine/conversation-machine.js';
import { modelTurnActor } from '../machine/model-turn.js';
import { runToolsActor } from '../machine/run-tools.js';
import type {
  ConversationContext,
  ConversationEmitted,
  ConversationMessage,
  Turn,
  TurnError,
  ConversationMachineInput,
} from '../machine/types.js';
import {
  conversationKey,
  ConversationSerializer,
  SnapshotWriter,
  type PersistedConversation,
} from '../persistence/persistence.js';
import { indexTools, type AnyTool } from '../tools/define-tool.js';

export interface ConversationOptions {
  client: Mistral;
  /** The agent to talk to (created with `ensureAgent`), or a `model` with `instructions`. */
  agentId?: string;
  model?: string;
  instructions?: string;
  tools?: AnyTool[];
  /** Where snapshots go after every settled step (default: SQLite in `.mistral-flows/agents.db`). */
  store?: Store;
  /** The conversation id (default: a random UUID). */
  id?: string;
  /** Tool rounds per turn before the model is asked for an answer without tools (default 10). */
  maxSteps?: number;
  /** Retries of a failed model call (default 3), with `backoff`. */
  maxRetries?: number;
  backoff?: BackoffOptions;
  /** `client` (default): history kept here; `server`: the Conversations API keeps it. */
  mode?: 'client' | 'server';
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

/** What `stream(text)` emits for one turn. */
export type ConversationStreamEvent = ConversationEmitted;

/** A live conversation. */
export interface Conversation {
  readonly id: string;
  readonly actor: ConversationActor;
  /** Sends a user message and resolves with the finished turn (after any tool rounds and approvals). */
  send(text: string): Promise<Turn>;
  /** The same turn as an Observable of events: deltas, tool calls and results, approvals, the end. */
  stream(text: string): Observable<ConversationStreamEvent>;
  approve(callId: string): void;
  reject(callId: string, reason?: string): void;
  /** Aborts the model call or the tools in flight; the conversation goes back to `idle`. */
  cancel(): void;
  /** After `failed`: asks the model again. */
  retry(): void;
  /** Forgets the history. */
  reset(): void;
  history(): ConversationMessage[];
  /** The machine's state: `idle`, `responding`, `awaitingApproval`, ... */
  state(): string;
  /** Resolves when every settled step so far is in the store. */
  flush(): Promise<void>;
  /** Stops the actor after the last write. */
  close(): Promise<void>;
}

let defaultStore: SqliteStore | undefined;
function getDefaultStore(): SqliteStore {
  if (!defaultStore) {
    mkdirSync('.mistral-flows', { recursive: true });
    defaultStore = new SqliteStore({ path: '.mistral-flows/agents.db' });
  }
  return defaultStore;
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
  return startConversation(options, id, prepareForResume(entry.value.snapshot));
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
    'mode' | 'agentId' | 'model' | 'instructions' | 'maxSteps' | 'maxRetries' | 'backoff'
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
  };
}

/** The machine with this conversation's model and tool actors. */
export function conversationLogic(
  options: ConversationOptions,
  tools: ReadonlyMap<string, AnyTool>,
) {
  return conversationMachine.provide({
    actors: {
      modelTurn: modelTurnActor({
        client: options.client,
        tools,
        ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
        ...(options.semaphore ? { semaphore: options.semaphore } : {}),
        ...(options.streamOptions ? { streamOptions: options.streamOptions } : {}),
      }),
      runTools: runToolsActor(tools, options.onToolExecute),
    },
  });
}

type ConversationLogic = ReturnType<typeof conversationLogic>;

/**
 * Machines already provided with a client's actors, by the tools and limits they were made with:
 * `provide()` builds a whole new machine, which costs more than a turn, and most services start
 * every conversation with the same client, tools and limits.
 */
const logicCache = new WeakMap<Mistral, Array<{ key: unknown[]; logic: ConversationLogic }>>();
const LOGIC_CACHE_SIZE = 8;

function sharedLogic(
  options: ConversationOptions,
  tools: ReadonlyMap<string, AnyTool>,
): ConversationLogic {
  const key = [
    options.rateLimiter,
    options.semaphore,
    options.streamOptions,
    options.onToolExecute,
    ...tools.values(),
  ];
  let entries = logicCache.get(options.client);
  if (!entries) logicCache.set(options.client, (entries = []));
  const hit = entries.find(
    (e) => e.key.length === key.length && e.key.every((k, i) => k === key[i]),
  );
  if (hit) return hit.logic;
  const logic = conversationLogic(options, tools);
  entries.unshift({ key, logic });
  if (entries.length > LOGIC_CACHE_SIZE) entries.pop();
  return logic;
}

function startConversation(
  options: ConversationOptions,
  id: string,
  snapshot: unknown,
): Conversation {
  const tools = indexTools(options.tools ?? []);
  const store = options.store ?? getDefaultStore();
  const logic = sharedLogic(options, tools);
  const input = machineInput(options, id);
  // With a snapshot, the input is ignored: everything comes from the stored context.
  const actor = createActor(logic, {
    input,
    // A readable actor id, for the visualizer and inspection logs.
    id: `conversation:${id}`,
    ...(snapshot ? { snapshot: snapshot as never } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  return wrapActor(actor, { id, store, bus: options.bus, streaming: streamingMode(options) });
}

/** Which turns stream: `send` turns and `stream` turns. */
export interface StreamingMode {
  send: boolean;
  stream: boolean;
}

export function streamingMode(
  options: Pick<ConversationOptions, 'streaming' | 'bus' | 'inspect'>,
): StreamingMode {
  const { streaming = 'auto' } = options;
  if (streaming === 'auto') return { send: Boolean(options.bus || options.inspect), stream: true };
  return { send: streaming, stream: streaming };
}

/** The conversation handle around an actor: promises, observables, persistence, bus events. */
export function wrapActor(
  actor: ConversationActor,
  deps: {
    id: string;
    store: Store;
    bus: EventBus<AgentEvents> | undefined;
    started?: boolean;
    streaming?: StreamingMode;
  },
): ConversationHandle {
  return new ConversationHandle(
    actor,
    deps.id,
    deps.store,
    deps.bus,
    deps.started ?? false,
    deps.streaming ?? { send: true, stream: true },
  );
}

/**
 * One conversation's handle. A class rather than closures: an agent system keeps thousands of
 * them resident, and prototype methods cost nothing per instance.
 */
export class ConversationHandle implements Conversation {
  /** When the conversation last changed (for passivation). */
  lastActive = Date.now();
  private readonly writer: SnapshotWriter;
  private readonly serializer: ConversationSerializer;
  private settled = -1;
  /** The turn in progress and who listens to it: one listener on the actor serves every turn. */
  private turn: { number: number; listener: (event: ConversationEmitted) => void } | undefined;

  constructor(
    readonly actor: ConversationActor,
    readonly id: string,
    store: Store,
    private readonly bus: EventBus<AgentEvents> | undefined,
    started: boolean,
    private readonly streaming: StreamingMode,
  ) {
    this.serializer = new ConversationSerializer(id);
    this.writer = new SnapshotWriter(
      store,
      conversationKey(id),
      bus ? (error) => this.reportWriteError(error) : noop,
    );
    actor.subscribe({ next: () => this.onSnapshot(), error: noop });
    actor.on('*', (event) => this.turn?.listener(event));
    if (bus) publishToBus(actor, id, bus);
    if (!started) actor.start();
    // A conversation restored in `retrying` has lost its timer with the process: retry now. One
    // restored in `runningTools` with every result stored moves on at the next event: send it one.
    const snapshot = actor.getSnapshot();
    if (snapshot.matches('retrying')) actor.send({ type: 'user.retry' });
    else if (snapshot.matches('runningTools')) actor.send({ type: 'conversation.resume' });
    this.onSnapshot();
  }

  send(text: string): Promise<Turn> {
    return new Promise<Turn>((resolve, reject) => {
      let stop: (() => void) | undefined;
      const finish = (fn: () => void) => {
        stop?.();
        stop = undefined;
        fn();
      };
      stop = this.runTurn(text, this.streaming.send, (event) => {
        if (event.type === 'turn-end') finish(() => resolve(event.turn));
        else if (event.type === 'turn-error') finish(() => reject(turnError(event.error)));
      });
    });
  }

  stream(text: string): Observable<ConversationStreamEvent> {
    return new Observable<ConversationStreamEvent>((subscriber) => {
      let stop: (() => void) | undefined;
      try {
        stop = this.runTurn(text, this.streaming.stream, (event) => {
          subscriber.next(event);
          if (event.type === 'turn-end') subscriber.complete();
          else if (event.type === 'turn-error') subscriber.error(turnError(event.error));
        });
      } catch (error) {
        subscriber.error(error);
      }
      return () => {
        stop?.();
        if (!subscriber.closed && !this.actor.getSnapshot().matches('idle'))
          this.actor.send({ type: 'user.cancel' });
      };
    });
  }

  approve(callId: string): void {
    assertPendingCall(this.actor, callId);
    this.actor.send({ type: 'tool.approve', callId });
  }

  reject(callId: string, reason?: string): void {
    assertPendingCall(this.actor, callId);
    this.actor.send({ type: 'tool.reject', callId, ...(reason !== undefined ? { reason } : {}) });
  }

  cancel(): void {
    this.actor.send({ type: 'user.cancel' });
  }

  retry(): void {
    this.actor.send({ type: 'user.retry' });
  }

  reset(): void {
    this.actor.send({ type: 'user.reset' });
  }

  history(): ConversationMessage[] {
    return this.actor.getSnapshot().context.messages;
  }

  state(): string {
    const value = this.actor.getSnapshot().value;
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  async close(): Promise<void> {
    await this.writer.flush();
    this.actor.stop();
  }

  private onSnapshot(): void {
    this.lastActive = Date.now();
    const snap = this.actor.getSnapshot();
    // Back to idle (or stopped) without this turn's end: it was cancelled.
    const turn = this.turn;
    if (
      turn &&
      (snap.matches('idle') || snap.status === 'done') &&
      snap.context.lastTurn?.turn !== turn.number
    ) {
      this.turn = undefined;
      turn.listener({
        type: 'turn-error',
        error: { code: 'cancelled', message: 'The turn was cancelled', retryable: false },
      });
    }
    if (snap.context.settled === this.settled) return;
    this.settled = snap.context.settled;
    this.writer.save(this.serializer.serialize(this.actor));
  }

  private reportWriteError(error: unknown): void {
    this.bus?.emit('agent:error', {
      conversationId: this.id,
      error: error instanceof Error ? error : new Error(String(error)),
    });
  }

  /** Starts a turn and forwards its events to `listener`; returns the function that stops listening. */
  private runTurn(
    text: string,
    stream: boolean,
    listener: (event: ConversationEmitted) => void,
  ): () => void {
    if (typeof text !== 'string' || text.trim() === '') {
      throw new InvalidArgumentError('text', 'a message must be a non-empty string');
    }
    const snap = this.actor.getSnapshot();
    if (snap.matches('failed')) {
      throw new AgentsError(
        'conversation_failed',
        `Conversation "${this.id}" has failed (${snap.context.lastError?.code ?? 'unknown'}: ${snap.context.lastError?.message ?? ''}); call retry() or reset() before sending`,
      );
    }
    if (!snap.matches('idle')) {
      throw new AgentsError(
        'conversation_busy',
        `Conversation "${this.id}" is ${this.state()}; wait for the turn to end or cancel() it`,
      );
    }
    const turn = { number: snap.context.turn + 1, listener };
    this.turn = turn;
    this.actor.send({ type: 'user.send', text, stream });
    return () => {
      if (this.turn === turn) this.turn = undefined;
    };
  }
}

function noop(): void {}

function turnError(error: TurnError): AgentsError {
  const code = error.code === 'cancelled' ? 'conversation_cancelled' : 'conversation_failed';
  return new AgentsError(code, `Turn failed (${error.code}): ${error.message}`, { cause: error });
}

function assertPendingCall(actor: ConversationActor, callId: string): void {
  const snap = actor.getSnapshot();
  const call = snap.context.pendingCalls.find((c) => c.id === callId);
  if (
    !snap.matches('awaitingApproval') ||
    !call ||
    !call.needsApproval ||
    call.decision !== undefined
  ) {
    throw new AgentsError('approval_unknown_call', `No call "${callId}" is waiting for approval`);
  }
}

function publishToBus(
  actor: ConversationActor,
  conversationId: string,
  bus: EventBus<AgentEvents>,
): void {
  actor.on('turn-start', (e) =>
    bus.emit('agent:turn-start', { conversationId, turn: e.turn, input: e.text }),
  );
  actor.on('tool-call', (e) => {
    let args: unknown = e.arguments;
    try {
      args = JSON.parse(e.arguments);
    } catch {
      // Keep the raw text: the model will be told the arguments are invalid.
    }
    bus.emit('agent:tool-call', {
      conversationId,
      callId: e.callId,
      name: e.name,
      arguments: args,
    });
  });
  actor.on('tool-result', (e) =>
    bus.emit('agent:tool-result', {
      conversationId,
      callId: e.result.callId,
      name: e.result.name,
      ok: e.result.ok,
      result: e.result.content,
      durationMs: e.result.durationMs,
    }),
  );
  actor.on('turn-end', (e) =>
    bus.emit('agent:turn-end', {
      conversationId,
      turn: e.turn.turn,
      text: e.turn.text,
      usage: e.turn.usage,
      steps: e.turn.steps,
    }),
  );
  actor.on('turn-error', (e) =>
    bus.emit('agent:error', {
      conversationId,
      error: new AgentsError('conversation_failed', `${e.error.code}: ${e.error.message}`),
    }),
  );
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
  if (options.mode !== undefined && options.mode !== 'client' && options.mode !== 'server') {
    throw new InvalidArgumentError(
      'mode',
      `expected 'client' or 'server', got ${String(options.mode)}`,
    );
  }
}
