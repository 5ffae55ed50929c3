import { InvalidArgumentError, Semaphore, type Store } from '@mistral-flows/core';
import {
  assign,
  createActor,
  setup,
  stopChild,
  type ActorRefFrom,
  type AnyActorLogic,
  type AnyActorRef,
} from 'xstate';
import {
  streamingMode,
  wrapActor,
  type Conversation,
  type ConversationHandle,
} from '../conversation/conversation-handle.js';
import { conversationLogic } from '../conversation/conversation-logic.js';
import {
  machineInput,
  prepareForResume,
  type ConversationOptions,
} from '../conversation/create-conversation.js';
import type { ConversationActor } from '../machine/conversation-machine.js';
import type { ConversationMachineInput, Turn } from '../machine/types.js';
import { conversationKey, type PersistedConversation } from '../persistence/persistence.js';
import { indexTools } from '../tools/define-tool.js';

export interface AgentSystemOptions extends Omit<
  ConversationOptions,
  'id' | 'store' | 'semaphore'
> {
  store: Store;
  /** Model calls in flight across every conversation (default 20). */
  maxConcurrentTurns?: number;
  /** An idle conversation is passivated to the store after this long (default 60 s). */
  idleMs?: number;
}

export interface AgentSystemStats {
  /** Conversations in memory. */
  resident: number;
  /** Conversations written to the store and dropped from memory since the start. */
  passivated: number;
  /** Model calls in flight now. */
  inFlight: number;
}

export interface AgentSystem {
  /** The parent actor: every resident conversation is one of its children. */
  readonly actor: ActorRefFrom<typeof agentSystemMachine>;
  /** The conversation with this id: in memory, rehydrated from the store, or new. */
  conversation(id?: string): Promise<Conversation>;
  /** Sends a message to a conversation (rehydrating it if needed) and resolves with the turn. */
  send(id: string, text: string): Promise<Turn>;
  /** Passivates every conversation idle for `idleMs` now, and resolves with how many. */
  passivateIdle(now?: number): Promise<number>;
  stats(): AgentSystemStats;
  /** Writes every conversation to the store and stops them all. */
  close(): Promise<void>;
}

type SpawnEvent = {
  type: 'conversation.spawn';
  id: string;
  input: ConversationMachineInput;
  snapshot?: unknown;
};
type StopEvent = { type: 'conversation.stop'; id: string };

/**
 * The parent of many conversations: it spawns each as a child actor (rehydrated from a persisted
 * snapshot when there is one) and stops the ones that are passivated.
 */
export const agentSystemMachine = setup({
  types: {
    context: {} as { conversations: Record<string, AnyActorRef> },
    events: {} as SpawnEvent | StopEvent,
    input: {} as { logic: ReturnType<typeof conversationLogic> },
  },
}).createMachine({
  id: 'agentSystem',
  context: { conversations: {} },
  on: {
    'conversation.spawn': {
      actions: assign({
        conversations: ({ context, event, spawn, self }) => {
          const logic = systemLogic.get(self);
          if (!logic) throw new Error('agent system logic missing');
          // The logic is chosen per spawn (fresh or restored), so it is not one of setup's actors.
          const spawnLogic = spawn as unknown as (
            logic: AnyActorLogic,
            options: { id: string; input: unknown },
          ) => AnyActorRef;
          const child = spawnLogic(event.snapshot ? restoring(logic, event.snapshot) : logic, {
            id: event.id,
            input: event.input,
          });
          return { ...context.conversations, [event.id]: child };
        },
      }),
    },
    'conversation.stop': {
      actions: [
        stopChild(({ event }) => event.id),
        assign({
          conversations: ({ context, event }) => {
            const { [event.id]: _stopped, ...rest } = context.conversations;
            return rest;
          },
        }),
      ],
    },
  },
});

/** The conversation logic of each system actor (kept outside the context, which stays plain). */
const systemLogic = new WeakMap<AnyActorRef, ReturnType<typeof conversationLogic>>();

/** The machine, starting from a persisted snapshot instead of its initial state. */
function restoring(
  logic: ReturnType<typeof conversationLogic>,
  persisted: unknown,
): ReturnType<typeof conversationLogic> {
  const restored = Object.create(logic) as ReturnType<typeof conversationLogic>;
  Object.defineProperty(restored, 'getInitialSnapshot', {
    value: (scope: Parameters<typeof logic.restoreSnapshot>[1]) =>
      logic.restoreSnapshot(persisted as never, scope),
  });
  return restored;
}

/**
 * Many conversations in one process: one parent actor owns them as children, one semaphore bounds
 * the model calls in flight (`maxConcurrentTurns`), one rate limiter (when given) is shared by all,
 * and conversations idle for `idleMs` are passivated to the store and rehydrated on their next
 * message, so memory stays bounded however many conversations exist.
 *
 * @example
 * const system = createAgentSystem({ client, agentId, tools, store, maxConcurrentTurns: 20 });
 * const turn = await system.send('customer-42', 'Where is my order?');
 */
export function createAgentSystem(options: AgentSystemOptions): AgentSystem {
  const { store, maxConcurrentTurns = 20, idleMs = 60_000 } = options;
  if (!store)
    throw new InvalidArgumentError(
      'store',
      'an agent system needs a store to passivate conversations to',
    );
  if (!(Number.isFinite(idleMs) && idleMs > 0))
    throw new InvalidArgumentError('idleMs', `expected a positive number, got ${String(idleMs)}`);
  if (!options.agentId === !options.model)
    throw new InvalidArgumentError('agentId', 'give exactly one of agentId and model');
  const semaphore = new Semaphore(maxConcurrentTurns);
  const tools = indexTools(options.tools ?? []);
  const logic = conversationLogic({ ...options, semaphore }, tools);
  const actor = createActor(agentSystemMachine, {
    input: { logic },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  systemLogic.set(actor, logic);
  actor.start();

  const handles = new Map<string, ConversationHandle>();
  const loading = new Map<string, Promise<ConversationHandle>>();
  let passivated = 0;

  const load = async (id: string): Promise<ConversationHandle> => {
    const stored = await store.get<PersistedConversation>(conversationKey(id));
    const event: SpawnEvent = { type: 'conversation.spawn', id, input: machineInput(options, id) };
    if (stored) event.snapshot = prepareForResume(stored.value.snapshot);
    actor.send(event);
    const child = actor.getSnapshot().context.conversations[id] as ConversationActor;
    const conversation = wrapActor(child, {
      id,
      store,
      bus: options.bus,
      version: stored?.version ?? 0,
      started: true,
      streaming: streamingMode(options),
      // A child of the system actor: a failed write ends it through its final state.
      owned: true,
    });
    handles.set(id, conversation);
    return conversation;
  };

  /** Forgets a resident conversation and stops its actor. */
  const drop = (id: string) => {
    handles.delete(id);
    actor.send({ type: 'conversation.stop', id });
  };

  const resident = async (id: string): Promise<ConversationHandle> => {
    const handle = handles.get(id);
    if (handle && !handle.closedBy) {
      handle.lastActive = Date.now();
      return handle;
    }
    // A conversation whose write failed has stopped (its turn got the typed error): the next
    // request starts again from what the store holds.
    if (handle) drop(id);
    let pending = loading.get(id);
    if (!pending) {
      pending = load(id).finally(() => loading.delete(id));
      loading.set(id, pending);
    }
    return pending;
  };

  const conversation = (id: string = crypto.randomUUID()): Promise<Conversation> => resident(id);

  /**
   * Writes a quiet conversation's last steps, then drops it, unless something touched it while
   * its records were written (a message that arrived during the flush starts a turn there). The
   * check after the flush and the drop happen in one synchronous step, so no message can slip
   * between them.
   */
  const passivate = async (id: string): Promise<boolean> => {
    const handle = handles.get(id);
    if (!handle || !handle.isQuiet()) return false;
    const seen = handle.lastActive;
    try {
      await handle.flush();
    } catch {
      // The write failed for good: the handle has stopped and told its turn and the bus why.
      if (handles.get(id) === handle) drop(id);
      return false;
    }
    if (handles.get(id) !== handle || handle.lastActive !== seen || !handle.isQuiet()) return false;
    drop(id);
    handle.markPassivated();
    passivated++;
    return true;
  };

  const passivateIdle = async (now = Date.now()) => {
    const idle = [...handles].filter(
      ([, handle]) => handle.isQuiet() && now - handle.lastActive >= idleMs,
    );
    let count = 0;
    for (const [id] of idle) if (await passivate(id)) count++;
    return count;
  };

  const sweep = setInterval(() => void passivateIdle(), Math.max(10, Math.floor(idleMs / 2)));
  sweep.unref();

  return {
    actor,
    conversation,
    async send(id, text) {
      for (;;) {
        const handle = await resident(id);
        // Passivated between the lookup and now: look it up again (it reloads from the store).
        if (!handle.closedBy) return handle.send(text);
        if (handles.get(id) === handle) drop(id);
      }
    },
    passivateIdle,
    stats: () => ({ resident: handles.size, passivated, inFlight: semaphore.inUse }),
    async close() {
      clearInterval(sweep);
      // A load that failed has already failed the call that asked for it.
      await Promise.allSettled([...loading.values()]);
      const open = [...handles.values()].filter((handle) => !handle.closedBy);
      const flushed = await Promise.allSettled(open.map((handle) => handle.flush()));
      handles.clear();
      actor.stop();
      const failed = flushed.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
