import type { Store } from '@mistral-flows/core';
import { fromCallback } from 'xstate';
import { z } from 'zod';
import {
  createConversation,
  resumeConversation,
  type Conversation,
  type ConversationOptions,
} from '../conversation/create-conversation.js';
import { AgentsError } from '../errors.js';
import type { ConversationMessage, TurnError } from '../machine/types.js';
import { conversationKey } from '../persistence/persistence.js';
import { defineTool, type AnyTool } from '../tools/define-tool.js';
import type { AgentStepInput, TeamEvent, TeamMessage } from './types.js';

/** One agent of a team. */
export interface TeamAgent {
  /** An agent made with `ensureAgent`, or a `model` with `instructions`. */
  agentId?: string;
  model?: string;
  instructions?: string;
  tools?: AnyTool[];
  /** What the agent does: the handoff tool that leads to it tells the other agents. */
  description?: string;
}

/**
 * What an agent is given of the team's history when it takes over: `all` (the default) every
 * earlier message, tool calls and results included; `summary` only the user's messages and each
 * agent's answers, marked with the agent's name (no model call is made to summarise); or a
 * function of the history.
 */
export type HistoryPolicy = 'all' | 'summary' | ((history: TeamMessage[]) => ConversationMessage[]);

export const HANDOFF_PREFIX = 'transfer_to_';

/**
 * What a step leaves running once it has ended (its conversation's `close()`, which writes the
 * last step), and failures met after the step stopped listening. The team's `close()` awaits
 * them and rejects with the first failure, so a write that failed there is not lost.
 */
export class StepLeftovers {
  private readonly pending = new Set<Promise<void>>();
  private failures: Error[] = [];

  track(work: Promise<unknown>): void {
    const settled: Promise<void> = work
      .then(
        () => undefined,
        (error: unknown) => this.fail(error),
      )
      .finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }

  /** Records a failure met after the step ended. */
  fail(error: unknown): void {
    this.failures.push(error instanceof Error ? error : new Error(String(error)));
  }

  /** Resolves when every tracked piece of work has settled; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    const [first] = this.failures;
    this.failures = [];
    if (first !== undefined) throw first;
  }
}

export interface AgentStepDeps {
  agents: ReadonlyMap<string, TeamAgent>;
  store: Store;
  historyPolicy: HistoryPolicy;
  leftovers: StepLeftovers;
  conversation: Omit<
    ConversationOptions,
    'agentId' | 'model' | 'instructions' | 'tools' | 'store' | 'id' | 'history' | 'mode'
  >;
}

/** The messages an agent starts its step with: the history before the turn's user message. */
export function stepHistory(history: TeamMessage[], policy: HistoryPolicy): ConversationMessage[] {
  let start = history.length;
  while (start > 0 && history[start - 1]!.role !== 'user') start--;
  const earlier = history.slice(0, Math.max(0, start - 1));
  if (typeof policy === 'function') return policy(earlier);
  if (policy === 'summary') {
    return earlier.flatMap((m): ConversationMessage[] => {
      if (m.role === 'user') return [{ role: 'user', content: m.content }];
      if (m.role === 'assistant' && m.content !== '' && !m.toolCalls?.length) {
        return [{ role: 'assistant', content: m.agent ? `[${m.agent}] ${m.content}` : m.content }];
      }
      return [];
    });
  }
  return earlier.map(({ agent: _agent, ...message }) => message);
}

function handoffTool(target: string, agent: TeamAgent | undefined): AnyTool {
  return defineTool({
    name: `${HANDOFF_PREFIX}${target}`,
    description:
      `Hand the conversation to the agent "${target}"` +
      (agent?.description ? `: ${agent.description}` : '.') +
      ' Call it alone, with the reason, when that agent should answer.',
    parameters: z.object({ reason: z.string().optional() }),
    // The team takes the call over before it runs: the agent's step ends there.
    needsApproval: true,
    execute: () => `Handed to ${target}.`,
  });
}

const turnError = (error: unknown): TurnError => ({
  code: AgentsError.isInstance(error) ? error.code : 'unknown',
  message: error instanceof Error ? error.message : String(error),
  retryable: false,
});

/**
 * The `agentStep` actor: one agent answers the turn's user message in a conversation of its own,
 * stored beside the team under the step's conversation id. A step restored after a crash resumes
 * that conversation (tools with stored results are not run again) or starts it if it was never
 * stored. When the agent calls a handoff tool, the step ends with `step.handoff`.
 */
export function agentStepActor(deps: AgentStepDeps) {
  return fromCallback<TeamEvent, AgentStepInput>(({ input, sendBack, receive, self }) => {
    let conversation: Conversation | undefined;
    let stopped = false;
    const agent = deps.agents.get(input.step.agent)!;
    const seed = stepHistory(input.history, deps.historyPolicy);
    const tools = [
      ...(agent.tools ?? []),
      ...input.targets.map((t) => handoffTool(t, deps.agents.get(t))),
    ];
    const id = input.step.conversationId;

    /** What the agent added after the user message, up to (not including) a handoff call. */
    const added = (): ConversationMessage[] => {
      const messages = conversation!.history().slice(seed.length + 1);
      const cut = messages.findIndex(
        (m) =>
          m.role === 'assistant' && m.toolCalls?.some((c) => c.name.startsWith(HANDOFF_PREFIX)),
      );
      return cut === -1 ? messages : messages.slice(0, cut);
    };
    const pendingHandoff = () =>
      conversation!.actor
        .getSnapshot()
        .context.pendingCalls.find((c) => c.name.startsWith(HANDOFF_PREFIX) && !c.decision);
    /** Ends the step with a handoff, once what the agent did so far is stored. */
    const handOff = async (call: { name: string; arguments: string }) => {
      if (stopped) return;
      stopped = true;
      let reason: string | undefined;
      try {
        const args = JSON.parse(call.arguments) as { reason?: unknown };
        if (typeof args.reason === 'string' && args.reason !== '') reason = args.reason;
      } catch {
        // a reason is optional
      }
      const to = call.name.slice(HANDOFF_PREFIX.length);
      try {
        await conversation!.flush();
      } catch (error) {
        sendBack({ type: 'step.error', error: turnError(error) });
        return;
      }
      sendBack({ type: 'step.handoff', to, ...(reason ? { reason } : {}), messages: added() });
    };

    const run = async () => {
      const stored = await deps.store.get(conversationKey(id));
      if (stored) {
        conversation = await resumeConversation(id, {
          ...deps.conversation,
          store: deps.store,
          tools,
          parent: self,
        });
      } else {
        const from = input.handedFrom;
        const note =
          from && agent.instructions
            ? `\n\n(The agent "${from.from}" handed this conversation to you${from.reason ? `: ${from.reason}` : ''}.)`
            : '';
        conversation = createConversation({
          ...deps.conversation,
          id,
          store: deps.store,
          tools,
          history: seed,
          // The agent's conversation is the step's child: the team's inspection shows it there.
          parent: self,
          ...(agent.agentId
            ? { agentId: agent.agentId }
            : {
                model: agent.model!,
                instructions: `${agent.instructions ?? ''}${note}` || undefined,
              }),
        });
      }
      if (stopped) return;
      conversation.actor.on('approval-required', (event) => {
        if (event.name.startsWith(HANDOFF_PREFIX)) void handOff(event);
        else
          sendBack({
            type: 'step.approval',
            callId: event.callId,
            name: event.name,
            arguments: event.arguments,
          });
      });
      const waiting = pendingHandoff();
      if (waiting) return await handOff(waiting);
      // Approvals that were pending before a restore are announced again.
      for (const call of conversation.actor.getSnapshot().context.pendingCalls) {
        if (call.needsApproval && !call.decision && !call.result) {
          sendBack({
            type: 'step.approval',
            callId: call.id,
            name: call.name,
            arguments: call.arguments,
          });
        }
      }
      const started = conversation.history().length > seed.length;
      const turn = started ? await conversation.waitForTurn() : await conversation.send(input.text);
      if (stopped) return;
      stopped = true;
      sendBack({ type: 'step.answer', turn, messages: added() });
    };

    receive((event) => {
      if (!conversation) return;
      if (event.type === 'tool.approve') conversation.approve(event.callId);
      if (event.type === 'tool.reject') conversation.reject(event.callId, event.reason);
    });
    run().catch((error: unknown) => {
      if (stopped) {
        // The step closed its conversation itself (a handoff, the team stopping): the turn it
        // abandoned ends as cancelled. Anything else is reported by the team's close().
        if (AgentsError.isInstance(error) && error.code === 'conversation_cancelled') return;
        return deps.leftovers.fail(error);
      }
      stopped = true;
      sendBack({ type: 'step.error', error: turnError(error) });
    });
    return () => {
      stopped = true;
      if (conversation) deps.leftovers.track(conversation.close());
    };
  });
}
