import { InvalidArgumentError, type AgentEvents, type Store } from '@mistral-flows/core';
import type { EventBus } from '@mistral-flows/stream';
import { Observable } from 'rxjs';
import { AgentsError } from '../errors.js';
import type { ConversationActor } from '../machine/conversation-machine.js';
import type {
  ConversationEmitted,
  ConversationMessage,
  Turn,
  TurnError,
} from '../machine/types.js';
import { ConversationSerializer } from '../persistence/persistence.js';
import { SnapshotWriter } from '../persistence/snapshot-writer.js';
import type { ConversationOptions } from './create-conversation.js';

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
  /**
   * Resolves with the turn in progress once it has ended and is stored (a resumed conversation's
   * turn included), or with the last turn when none is in progress; rejects as `send()` would.
   */
  waitForTurn(): Promise<Turn>;
  /** Resolves when every settled step so far is in the store; rejects when a write failed. */
  flush(): Promise<void>;
  /** Stops the actor after the last write. */
  close(): Promise<void>;
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
    /** Undefined for a conversation that keeps nothing (`store: false`). */
    store: Store | undefined;
    bus: EventBus<AgentEvents> | undefined;
    /**
     * The stored version the actor was restored from; 0 (the default) for a new conversation,
     * whose first record must not find one already stored.
     */
    version?: number;
    started?: boolean;
    streaming?: StreamingMode;
    /** The actor was created with a `parent` (an agent team's step), which alone may stop it. */
    owned?: boolean;
  },
): ConversationHandle {
  return new ConversationHandle(
    actor,
    deps.id,
    deps.store,
    deps.bus,
    deps.version ?? 0,
    deps.started ?? false,
    deps.streaming ?? { send: true, stream: true },
    deps.owned ?? false,
  );
}

/** Who follows a turn: its events, then `turn-end` or `turn-error` once stored, or a failure. */
interface TurnObserver {
  next(event: ConversationEmitted): void;
  error(error: AgentsError): void;
}

/** The turn in progress and its observers. */
class TurnWatch {
  readonly observers = new Set<TurnObserver>();
  /** The turn's `turn-end` or `turn-error`, held back until the step that made it is stored. */
  outcome: Extract<ConversationEmitted, { type: 'turn-end' | 'turn-error' }> | undefined;

  constructor(readonly number: number) {}

  next(event: ConversationEmitted): void {
    for (const observer of [...this.observers]) observer.next(event);
  }

  error(error: AgentsError): void {
    for (const observer of [...this.observers]) observer.error(error);
    this.observers.clear();
  }
}

/**
 * One conversation's handle. A class rather than closures: an agent system keeps thousands of
 * them resident, and prototype methods cost nothing per instance.
 *
 * A turn's end reaches `send()`, `stream()` and `waitForTurn()` only once the step that ended it
 * is in the store. When a write fails for good (another writer's record, or a store that keeps
 * failing), the handle stops its actor, which aborts the work in flight, and every pending and
 * later call fails with the writer's typed error; the store keeps the last step written, from
 * which `resumeConversation` continues.
 */
export class ConversationHandle implements Conversation {
  /** When the conversation last changed (for passivation). */
  lastActive = Date.now();
  /** Undefined when nothing is stored (`store: false`): no record is built or written. */
  private readonly writer: SnapshotWriter | undefined;
  private readonly serializer: ConversationSerializer;
  private settled: number;
  /** The turn in progress: one listener on the actor serves every turn. */
  private current: TurnWatch | undefined;
  /** Why this handle no longer runs turns: a failed write, or its agent system passivated it. */
  private stopped: AgentsError | undefined;

  constructor(
    readonly actor: ConversationActor,
    readonly id: string,
    store: Store | undefined,
    private readonly bus: EventBus<AgentEvents> | undefined,
    version: number,
    started: boolean,
    private readonly streaming: StreamingMode,
    private readonly owned: boolean,
  ) {
    this.serializer = new ConversationSerializer(id);
    this.writer =
      store === undefined
        ? undefined
        : new SnapshotWriter(store, id, version, (error) => this.fail(error));
    const restored = actor.getSnapshot();
    // A restored conversation is stored as it is; a new one writes its first record at once,
    // which claims its id in the store.
    this.settled = version === 0 ? -1 : restored.context.settled;
    if (!restored.matches('idle') && !restored.matches('failed')) {
      this.current = new TurnWatch(restored.context.turn);
    }
    actor.subscribe({ next: () => this.onSnapshot(), error: noop });
    actor.on('*', (event) => this.onEmitted(event));
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
      this.runTurn(text, this.streaming.send, settle(resolve, reject));
    });
  }

  stream(text: string): Observable<ConversationStreamEvent> {
    return new Observable<ConversationStreamEvent>((subscriber) => {
      let stop: (() => void) | undefined;
      try {
        stop = this.runTurn(text, this.streaming.stream, {
          next: (event) => {
            subscriber.next(event);
            if (event.type === 'turn-end') subscriber.complete();
            else if (event.type === 'turn-error') subscriber.error(turnError(event.error));
          },
          error: (error) => subscriber.error(error),
        });
      } catch (error) {
        subscriber.error(error);
      }
      return () => {
        stop?.();
        if (!subscriber.closed && !this.stopped && !this.actor.getSnapshot().matches('idle'))
          this.actor.send({ type: 'user.cancel' });
      };
    });
  }

  waitForTurn(): Promise<Turn> {
    return new Promise<Turn>((resolve, reject) => {
      if (this.stopped) return reject(this.stopped);
      const done = settle(resolve, reject);
      if (this.current) {
        this.current.observers.add(done);
        return;
      }
      const snap = this.actor.getSnapshot();
      const { lastTurn, lastError } = snap.context;
      if (snap.matches('failed') && lastError) {
        return done.next({ type: 'turn-error', error: lastError });
      }
      if (!lastTurn) {
        return reject(
          new AgentsError('conversation_idle', `Conversation "${this.id}" has no turn yet`),
        );
      }
      this.stored().then(
        () => done.next({ type: 'turn-end', turn: lastTurn }),
        (error: AgentsError) => done.error(error),
      );
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
    return this.stored();
  }

  async close(): Promise<void> {
    try {
      await this.stored();
    } finally {
      this.stopActor();
    }
  }

  /**
   * Stops the actor, aborting the work in flight. XState lets only a parent stop its child, so an
   * actor created with a `parent` is sent to its final `closed` state instead, which ends it the
   * same way (its model call and tools are stopped).
   */
  private stopActor(): void {
    if (this.owned) this.actor.send({ type: 'user.close' });
    else this.actor.stop();
  }

  /**
   * Whether it may be passivated: idle, failed or waiting for an approval, with nobody waiting
   * for the turn in progress.
   */
  isQuiet(): boolean {
    const state = this.state();
    return (
      (state === 'idle' || state === 'failed' || state === 'awaitingApproval') &&
      (this.current === undefined || this.current.observers.size === 0)
    );
  }

  /** Called by an agent system that passivated it: later calls get `conversation_closed`. */
  markPassivated(): void {
    this.stopped ??= new AgentsError(
      'conversation_closed',
      `Conversation "${this.id}" was passivated by its agent system; get it again with ` +
        `system.conversation("${this.id}"), or use system.send()`,
    );
  }

  /** The failure that stopped it, or its passivation. */
  get closedBy(): AgentsError | undefined {
    return this.stopped;
  }

  /** Resolves once record `generation` (default: the latest) is stored; at once with no store. */
  private stored(generation?: number): Promise<void> {
    return this.writer ? this.writer.stored(generation) : Promise.resolve();
  }

  private onEmitted(event: ConversationEmitted): void {
    const watch = this.current;
    if (!watch) return;
    if (event.type === 'turn-end' || event.type === 'turn-error') watch.outcome = event;
    else watch.next(event);
  }

  private onSnapshot(): void {
    this.lastActive = Date.now();
    const snap = this.actor.getSnapshot();
    let generation: number | undefined;
    if (this.writer && snap.context.settled !== this.settled) {
      this.settled = snap.context.settled;
      generation = this.writer.save(this.serializer.serialize(this.actor));
    }
    const watch = this.current;
    if (!watch) return;
    const { outcome } = watch;
    if (outcome) {
      // The turn ended: its end is delivered once the step that made it is stored.
      this.current = undefined;
      this.stored(generation).then(
        () => watch.next(outcome),
        (error: AgentsError) => watch.error(error),
      );
    } else if (
      (snap.matches('idle') || snap.status === 'done') &&
      snap.context.lastTurn?.turn !== watch.number
    ) {
      // Back to idle (or closed) without this turn's end: it was cancelled.
      this.current = undefined;
      watch.next({
        type: 'turn-error',
        error: { code: 'cancelled', message: 'The turn was cancelled', retryable: false },
      });
    }
  }

  /** The writer stopped for good: stop the actor (aborting the work in flight) and say why. */
  private fail(error: AgentsError): void {
    this.stopped ??= error;
    const watch = this.current;
    this.current = undefined;
    watch?.error(error);
    this.stopActor();
    this.bus?.emit('agent:error', { conversationId: this.id, error });
  }

  /** Starts a turn and forwards its events to `observer`; returns the function that stops it. */
  private runTurn(text: string, stream: boolean, observer: TurnObserver): () => void {
    if (this.stopped) throw this.stopped;
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
    const watch = new TurnWatch(snap.context.turn + 1);
    watch.observers.add(observer);
    this.current = watch;
    this.actor.send({ type: 'user.send', text, stream });
    return () => watch.observers.delete(observer);
  }
}

/** An observer that settles a promise with the turn, or with its failure. */
function settle(resolve: (turn: Turn) => void, reject: (error: Error) => void): TurnObserver {
  return {
    next: (event) => {
      if (event.type === 'turn-end') resolve(event.turn);
      else if (event.type === 'turn-error') reject(turnError(event.error));
    },
    error: reject,
  };
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
  actor.on('handoff', (e) => bus.emit('agent:handoff', { conversationId, from: e.from, to: e.to }));
  actor.on('turn-error', (e) =>
    bus.emit('agent:error', {
      conversationId,
      error: new AgentsError('conversation_failed', `${e.error.code}: ${e.error.message}`),
    }),
  );
}
