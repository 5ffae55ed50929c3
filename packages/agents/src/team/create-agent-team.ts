import {
  defaultStore,
  InvalidArgumentError,
  StoreConflictError,
  type AgentEvents,
  type BackoffOptions,
  type RateLimiter,
  type Store,
} from '@mistral-flows/core';
import type { EventBus, StreamOptions } from '@mistral-flows/stream';
import type { Mistral } from '@mistralai/mistralai';
import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { AgentsError } from '../errors.js';
import {
  agentStepActor,
  HANDOFF_PREFIX,
  StepLeftovers,
  type HistoryPolicy,
  type TeamAgent,
} from './agent-step.js';
import { agentTeamMachine, DEFAULT_MAX_HANDOFFS } from './team-machine.js';
import type { TeamContext, TeamMessage, TeamTurn } from './types.js';

export interface AgentTeamOptions {
  client: Mistral;
  /** The agents, by name (letters, digits, `_` and `-`): each answers in a conversation of its own. */
  agents: Record<string, TeamAgent>;
  /** Who may hand off to whom: `{ triage: ['billing', 'tech'], billing: ['triage'] }`. */
  handoffs: Record<string, string[]>;
  /** The agent that answers first. */
  entry: string;
  /** What travels with a handoff (default `all`); see `HistoryPolicy`. */
  history?: HistoryPolicy;
  /** Handoffs per turn (default 3); each agent also answers at most once per turn. */
  maxHandoffs?: number;
  /** The team id (default: a random UUID). */
  id?: string;
  /** Where the team and its agents' conversations are stored (default: core's `defaultStore()`, files in `.mistral-flows/store`). */
  store?: Store;
  maxSteps?: number;
  maxRetries?: number;
  backoff?: BackoffOptions;
  rateLimiter?: RateLimiter;
  streamOptions?: Pick<StreamOptions, 'timeoutMs' | 'headers'>;
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Publishes the agents' `agent:*` events. */
  bus?: EventBus<AgentEvents>;
  /** Called before each tool execution (for metrics and tests). */
  onToolExecute?: (name: string) => void;
}

/** A live agent team. */
export interface AgentTeam {
  readonly id: string;
  readonly actor: Actor<typeof agentTeamMachine>;
  /** Sends a user message; resolves with the turn once it is answered (after any handoffs) and stored. */
  send(text: string): Promise<TeamTurn>;
  approve(callId: string): void;
  reject(callId: string, reason?: string): void;
  /** After `failed`: runs the failed step again. */
  retry(): void;
  /** The history, each assistant and tool message with the agent that wrote it. */
  history(): TeamMessage[];
  /** The agent that answers the next message (or is answering this one). */
  activeAgent(): string;
  /** `idle`, `running`, `failed` or `closed`. */
  state(): string;
  /** Resolves with the turn in progress once stored (a resumed team's included), or the last turn. */
  waitForTurn(): Promise<TeamTurn>;
  /** Calls for your decision (`approve` / `reject`) of the agent answering now. */
  pendingApprovals(): Array<{ agent: string; callId: string; name: string; arguments: string }>;
  close(): Promise<void>;
}

/** What a team writes to its store after every settled step. */
export interface PersistedTeam {
  format: 1;
  id: string;
  /** `failed` or `idle` (a team stored in the middle of a step is `idle` with its `step` set). */
  state: 'idle' | 'failed';
  context: TeamContext;
  updatedAt: string;
}

export const teamKey = (id: string) => `agent-team:${id}`;
const NAME = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * Starts a team of agents that hand a conversation to each other (client side): each agent is a
 * conversation of its own with its instructions, tools and model or agent id, a child of the team
 * actor. An agent hands off by calling the `transfer_to_<agent>` tool the team gives it for each
 * agent its `handoffs` list names; the target then answers the same user message, with the
 * history the `history` policy lets through. Each agent answers at most once per turn (no A -> B
 * -> A) and at most `maxHandoffs` handoffs happen per turn; then the agent in charge must answer.
 * The team is stored after every step, and `resumeAgentTeam` continues it after a crash, in the
 * middle of a handoff or of an approval included.
 *
 * @example
 * const team = createAgentTeam({
 *   client,
 *   agents: { triage: { model, instructions: 'Route the customer.' }, billing: { model, tools: [refund] } },
 *   handoffs: { triage: ['billing'] },
 *   entry: 'triage',
 * });
 * const turn = await team.send('I was charged twice'); // turn.agent === 'billing'
 */
export function createAgentTeam(options: AgentTeamOptions): AgentTeam {
  validateTeam(options);
  const id = options.id ?? crypto.randomUUID();
  return startTeam(options, id, undefined, 0);
}

/** Continues a stored team where it stopped, in this or another process. */
export async function resumeAgentTeam(
  id: string,
  options: Omit<AgentTeamOptions, 'id'> & { store: Store },
): Promise<AgentTeam> {
  validateTeam(options);
  const entry = await options.store.get<PersistedTeam>(teamKey(id));
  if (!entry) throw new AgentsError('conversation_not_found', `No stored agent team "${id}"`);
  return startTeam(options, id, entry.value, entry.version);
}

function startTeam(
  options: AgentTeamOptions,
  id: string,
  stored: PersistedTeam | undefined,
  version: number,
): AgentTeam {
  const store = options.store ?? defaultStore();
  const leftovers = new StepLeftovers();
  const logic = agentTeamMachine.provide({
    actors: {
      agentStep: agentStepActor({
        agents: new Map(Object.entries(options.agents)),
        store,
        leftovers,
        historyPolicy: options.history ?? 'all',
        conversation: {
          client: options.client,
          ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
          ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
          ...(options.backoff ? { backoff: options.backoff } : {}),
          ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
          ...(options.streamOptions ? { streamOptions: options.streamOptions } : {}),
          ...(options.bus ? { bus: options.bus } : {}),
          ...(options.onToolExecute ? { onToolExecute: options.onToolExecute } : {}),
        },
      }),
    },
  });
  const snapshot = stored
    ? logic.resolveState({ value: stored.state, context: stored.context })
    : undefined;
  const actor = createActor(logic, {
    id: `team:${id}`,
    input: {
      id,
      entry: options.entry,
      handoffs: options.handoffs,
      ...(options.maxHandoffs !== undefined ? { maxHandoffs: options.maxHandoffs } : {}),
    },
    ...(snapshot ? { snapshot } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const bus = options.bus;
  if (bus) {
    actor.on('handoff', ({ handoff }) =>
      bus.emit('agent:handoff', { conversationId: id, from: handoff.from, to: handoff.to }),
    );
  }
  return new TeamHandle(actor, id, store, version, stored !== undefined, leftovers);
}

interface Waiter {
  resolve(turn: TeamTurn): void;
  reject(error: unknown): void;
}

class TeamHandle implements AgentTeam {
  private written: number;
  private writing: Promise<void> = Promise.resolve();
  private failure: AgentsError | undefined;
  private waiters: Waiter[] = [];
  private readonly approvals = new Map<
    string,
    { agent: string; callId: string; name: string; arguments: string }
  >();

  constructor(
    readonly actor: Actor<typeof agentTeamMachine>,
    readonly id: string,
    private readonly store: Store,
    private version: number,
    resumed: boolean,
    private readonly leftovers: StepLeftovers,
  ) {
    this.written = resumed ? actor.getSnapshot().context.settled : -1;
    actor.on('approval-required', (event) => this.approvals.set(event.callId, event));
    actor.on('handoff', () => this.approvals.clear());
    actor.on('turn-end', (event) => this.settle({ turn: event.turn }));
    actor.on('turn-error', (event) =>
      this.settle({
        error: new AgentsError('conversation_failed', `Team turn failed: ${event.error.message}`, {
          cause: event.error,
        }),
      }),
    );
    actor.subscribe((snapshot) => {
      if (snapshot.context.settled !== this.written) this.persist();
    });
    actor.start();
    if (!resumed) this.persist();
    else actor.send({ type: 'team.resume' });
  }

  send(text: string): Promise<TeamTurn> {
    if (typeof text !== 'string' || text.trim() === '') {
      return Promise.reject(
        new InvalidArgumentError('text', 'a message must be a non-empty string'),
      );
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.actor.getSnapshot().matches('failed')) {
      return Promise.reject(
        new AgentsError(
          'conversation_failed',
          `Team "${this.id}" failed its last turn: call retry() first`,
        ),
      );
    }
    if (!this.actor.getSnapshot().matches('idle') || this.actor.getSnapshot().context.step) {
      return Promise.reject(
        new AgentsError(
          'conversation_busy',
          `Team "${this.id}" is ${this.state()}: wait for its turn`,
        ),
      );
    }
    const turn = new Promise<TeamTurn>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.actor.send({ type: 'user.send', text });
    return turn;
  }

  waitForTurn(): Promise<TeamTurn> {
    if (this.failure) return Promise.reject(this.failure);
    const snapshot = this.actor.getSnapshot();
    if (snapshot.matches('idle') && !snapshot.context.step && snapshot.context.lastTurn) {
      return this.writing.then(() => snapshot.context.lastTurn!);
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  approve(callId: string): void {
    this.decide(callId);
    this.actor.send({ type: 'tool.approve', callId });
  }

  reject(callId: string, reason?: string): void {
    this.decide(callId);
    this.actor.send({ type: 'tool.reject', callId, ...(reason !== undefined ? { reason } : {}) });
  }

  retry(): void {
    this.actor.send({ type: 'user.retry' });
  }

  history(): TeamMessage[] {
    return this.actor.getSnapshot().context.history;
  }

  activeAgent(): string {
    return this.actor.getSnapshot().context.active;
  }

  state(): string {
    const snapshot = this.actor.getSnapshot();
    return snapshot.status === 'done' ? 'closed' : String(snapshot.value);
  }

  pendingApprovals() {
    return [...this.approvals.values()];
  }

  /**
   * Stops the team after its last write, and waits for the step's conversation to close; rejects
   * with the first failure met there (a write of the last step that failed).
   */
  async close(): Promise<void> {
    await this.writing;
    this.actor.stop();
    await this.leftovers.drain();
  }

  private decide(callId: string): void {
    if (!this.approvals.delete(callId)) {
      throw new AgentsError(
        'approval_unknown_call',
        `No tool call "${callId}" waits for approval in team "${this.id}"`,
      );
    }
  }

  private settle(outcome: { turn: TeamTurn } | { error: AgentsError }): void {
    const waiters = this.waiters.splice(0);
    void this.writing.then(() => {
      for (const waiter of waiters) {
        if (this.failure) waiter.reject(this.failure);
        else if ('turn' in outcome) waiter.resolve(outcome.turn);
        else waiter.reject(outcome.error);
      }
    });
  }

  /** Writes the team after a settled step, compare-and-set on the version it last wrote. */
  private persist(): void {
    const snapshot = this.actor.getSnapshot();
    this.written = snapshot.context.settled;
    const record: PersistedTeam = {
      format: 1,
      id: this.id,
      state: snapshot.matches('failed') ? 'failed' : 'idle',
      context: snapshot.context,
      updatedAt: new Date().toISOString(),
    };
    this.writing = this.writing.then(async () => {
      if (this.failure) return;
      try {
        const { version } = await this.store.set(teamKey(this.id), record, {
          ifVersion: this.version,
        });
        this.version = version;
      } catch (error) {
        this.failure = StoreConflictError.isInstance(error)
          ? new AgentsError(
              this.version === 0 ? 'conversation_exists' : 'conversation_conflict',
              this.version === 0
                ? `Agent team "${this.id}" is already stored: resume it with resumeAgentTeam`
                : `Agent team "${this.id}" was written by another process: resume it again`,
              { cause: error },
            )
          : new AgentsError(
              'conversation_persist_failed',
              `Agent team "${this.id}" could not be stored`,
              {
                cause: error,
              },
            );
        this.actor.stop();
        for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
      }
    });
  }
}

function validateTeam(options: AgentTeamOptions): void {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError('options', 'expected an options object');
  }
  if (!options.client) throw new InvalidArgumentError('client', 'a Mistral client is required');
  const names = Object.keys(options.agents ?? {});
  if (names.length === 0)
    throw new InvalidArgumentError('agents', 'a team needs at least one agent');
  for (const name of names) {
    if (!NAME.test(name)) {
      throw new InvalidArgumentError(
        'agents',
        `agent name ${JSON.stringify(name)} must be 1 to 40 letters, digits, "_" or "-"`,
      );
    }
    const agent = options.agents[name]!;
    if (!agent.agentId === !agent.model) {
      throw new InvalidArgumentError(
        'agents',
        `agent "${name}": give exactly one of agentId and model`,
      );
    }
    for (const tool of agent.tools ?? []) {
      if (tool.name.startsWith(HANDOFF_PREFIX)) {
        throw new InvalidArgumentError(
          'agents',
          `agent "${name}": tool "${tool.name}" uses the "${HANDOFF_PREFIX}" prefix kept for handoffs`,
        );
      }
    }
  }
  if (!names.includes(options.entry)) {
    throw new AgentsError(
      'team_invalid',
      `The entry agent "${options.entry}" is not in agents (${names.join(', ')})`,
    );
  }
  for (const [from, targets] of Object.entries(options.handoffs ?? {})) {
    for (const name of [from, ...targets]) {
      if (!names.includes(name)) {
        throw new AgentsError(
          'team_invalid',
          `Handoff ${from} -> ${targets.join(', ')} names the unknown agent "${name}" (agents: ${names.join(', ')})`,
        );
      }
    }
    if (targets.includes(from)) {
      throw new AgentsError('team_invalid', `Agent "${from}" cannot hand off to itself`);
    }
  }
  const max = options.maxHandoffs ?? DEFAULT_MAX_HANDOFFS;
  if (!(Number.isInteger(max) && max >= 0)) {
    throw new AgentsError(
      'team_invalid',
      `maxHandoffs must be a whole number (handoffs per turn), got ${String(max)}: a cycle of handoffs needs a cap`,
    );
  }
}
