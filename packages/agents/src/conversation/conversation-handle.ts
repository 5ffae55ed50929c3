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
import { conversationKey, ConversationSerializer } from '../persistence/persistence.js';
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
  /** Resolves when every settled step so far is in the store. */
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
