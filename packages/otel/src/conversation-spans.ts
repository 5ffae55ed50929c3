import type { Usage } from '@mistral-flows/core';
import {
  context as otelContext,
  SpanKind,
  trace,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { GEN_AI, OWN, PROVIDER } from './attributes.js';
import { contentAttribute } from './content.js';
import type { MachineSnapshotLike } from './inspection.js';
import {
  chatAttributes,
  chatSpanName,
  contentOf,
  endChatSpan,
  failSpan,
  readStoredSpan,
  spanKey,
  writeStoredSpan,
  type TelemetryCore,
} from './telemetry-core.js';

/** What this package reads of the conversation machine's context. */
interface ConversationContextLike {
  id: string;
  config: { agentId?: string; model?: string; instructions?: string };
  messages: unknown[];
  turn: number;
  settled: number;
  pendingCalls: Array<{
    id: string;
    name: string;
    arguments: string;
    needsApproval: boolean;
    platform?: boolean;
    decision?: 'approved' | 'rejected';
    result?: unknown;
  }>;
  current: { usage: Usage; stream: boolean };
  lastError?: { code: string; message: string };
  lastTurn?: { finishReason: string };
}

type ConversationEventLike =
  | { type: 'model.delta' }
  | {
      type: 'model.end';
      text: string;
      finishReason: string;
      usage: Usage | undefined;
      toolCalls: Array<{ id: string; name: string; arguments: string }>;
      handoffs?: Array<{ from: string; to: string }>;
    }
  | { type: 'model.error'; error: { code: string; message: string } }
  | {
      type: 'tool.result';
      result: { callId: string; ok: boolean; content: string; failure?: string };
    }
  | { type: 'tool.approve'; callId: string }
  | { type: 'tool.reject'; callId: string; reason?: string }
  /** `user.cancel`, `user.send`, `xstate.init`, ... */
  | { type: string };

const ACTIVE = new Set([
  'responding',
  'checkingCalls',
  'awaitingApproval',
  'runningTools',
  'retrying',
]);

interface ChatCall {
  span: Span;
  startedAt: number;
  firstChunkAt: number | undefined;
  model: string | undefined;
}

/** One conversation actor being traced; dropped between turns. */
interface Track {
  /** The conversation's id (its context's `id`). */
  conversationId: string;
  prev: string | undefined;
  /** Restored from a snapshot: the first turn links to the span the store keeps. */
  restored: boolean;
  turn: Span | undefined;
  turnContext: Context | undefined;
  /** The store read of the link, which ends of spans wait for. */
  pending: Promise<unknown> | undefined;
  chat: ChatCall | undefined;
  tools: Map<string, Span>;
}

export type AgentNamer = (agent: {
  conversationId: string;
  agentId: string | undefined;
  model: string | undefined;
}) => string | undefined;

/**
 * Turns the inspection of conversation actors into spans: `invoke_agent {name}` per turn, a
 * `chat {model}` child per model call (`modelTurn`), an `execute_tool {name}` child per tool call;
 * approvals, handoffs, retries and cancels as events of the turn.
 */
export class ConversationSpans {
  private readonly tracks = new Map<string, Track>();

  constructor(
    private readonly core: TelemetryCore,
    private readonly agentName: AgentNamer,
  ) {}

  onSnapshot(session: string, snapshot: MachineSnapshotLike, event: ConversationEventLike): void {
    const context = snapshot.context as ConversationContextLike;
    const value = typeof snapshot.value === 'string' ? snapshot.value : '';
    let track = this.tracks.get(session);
    if (!track) {
      // Nothing to do for an idle conversation that is not starting a turn.
      const restored = event.type === 'xstate.init' && context.settled > 0;
      if (!restored && !ACTIVE.has(value)) return;
      track = {
        conversationId: context.id,
        prev: undefined,
        restored,
        turn: undefined,
        turnContext: undefined,
        pending: undefined,
        chat: undefined,
        tools: new Map(),
      };
      this.tracks.set(session, track);
    }
    const now = Date.now();
    if (!track.turn && ACTIVE.has(value)) this.startTurn(track, context, now);
    this.applyEvent(track, context, event, now);
    if (track.turn) {
      if (value === 'responding' && !track.chat) this.startChat(track, context, now);
      if (value === 'awaitingApproval' && track.prev !== 'awaitingApproval') {
        for (const call of context.pendingCalls) {
          if (call.needsApproval && call.decision === undefined) {
            track.turn.addEvent(
              'approval.requested',
              { [GEN_AI.toolName]: call.name, [GEN_AI.toolCallId]: call.id },
              now,
            );
          }
        }
      }
      if (value === 'runningTools') this.startTools(track, context, now);
      if (!ACTIVE.has(value)) this.endTurn(track, context, value, now);
    }
    track.prev = value;
    if (!track.turn && !track.restored) this.tracks.delete(session);
    if (
      snapshot.status === 'done' ||
      snapshot.status === 'stopped' ||
      snapshot.status === 'error'
    ) {
      this.endTurn(track, context, value, now);
      this.tracks.delete(session);
    }
  }

  /**
   * An agent team handed its turn from one agent to another (`step.handoff`): the event goes on
   * the turn of the step that handed off, whose conversation is
   * `<team id>/t<turn>.<step index>.<agent>` (the team's step ids), still open at that moment.
   */
  onTeamSnapshot(snapshot: MachineSnapshotLike, event: { type: string }): void {
    if (event.type !== 'step.handoff') return;
    const context = snapshot.context as {
      id?: unknown;
      turn?: unknown;
      step?: { handoffs?: unknown };
      handoffs?: Array<{ from: string; to: string; reason?: string | undefined }>;
    };
    const handoff = context.handoffs?.at(-1);
    const index = context.step?.handoffs;
    if (handoff === undefined || typeof index !== 'number') return;
    const from = `${String(context.id)}/t${String(context.turn)}.${index - 1}.${handoff.from}`;
    for (const track of this.tracks.values()) {
      if (track.conversationId !== from || !track.turn) continue;
      track.turn.addEvent('handoff', {
        'mistral_flows.handoff.from': handoff.from,
        'mistral_flows.handoff.to': handoff.to,
        ...(handoff.reason !== undefined && this.core.captureContent
          ? { 'mistral_flows.handoff.reason': contentAttribute(handoff.reason) }
          : {}),
      });
    }
  }

  private startTurn(track: Track, context: ConversationContextLike, now: number): void {
    const { agentId, model } = context.config;
    const name = this.agentName({ conversationId: context.id, agentId, model });
    const span = this.core.tracer.startSpan(
      name ? `invoke_agent ${name}` : 'invoke_agent',
      {
        kind: SpanKind.INTERNAL,
        startTime: now,
        attributes: {
          [GEN_AI.operationName]: 'invoke_agent',
          [GEN_AI.providerName]: PROVIDER,
          [GEN_AI.conversationId]: context.id,
          [OWN.turn]: context.turn,
          ...(name ? { [GEN_AI.agentName]: name } : {}),
          ...(agentId ? { [GEN_AI.agentId]: agentId } : {}),
          ...(model ? { [GEN_AI.requestModel]: model } : {}),
          ...(track.restored ? { [OWN.resumed]: true } : {}),
        },
      },
      otelContext.active(),
    );
    track.turn = span;
    track.turnContext = trace.setSpan(otelContext.active(), span);
    const key = spanKey('conversation', context.id);
    if (track.restored) {
      track.restored = false;
      track.pending = readStoredSpan(this.core, key).then(async (link: Link | undefined) => {
        if (link) span.addLink(link);
        await writeStoredSpan(this.core, key, span);
      });
    } else if (this.core.store) {
      track.pending = writeStoredSpan(this.core, key, span);
    }
  }

  private startChat(track: Track, context: ConversationContextLike, now: number): void {
    const { model, agentId, instructions } = context.config;
    const span = this.core.tracer.startSpan(
      chatSpanName(model),
      {
        kind: SpanKind.CLIENT,
        startTime: now,
        attributes: {
          ...chatAttributes(model),
          [GEN_AI.conversationId]: context.id,
          ...(agentId ? { [GEN_AI.agentId]: agentId } : {}),
        },
      },
      track.turnContext,
    );
    if (this.core.captureContent) {
      span.setAttribute(GEN_AI.inputMessages, contentOf(context.messages));
      if (instructions) span.setAttribute(GEN_AI.systemInstructions, contentOf(instructions));
    }
    track.chat = { span, startedAt: now, firstChunkAt: undefined, model };
  }

  private startTools(track: Track, context: ConversationContextLike, now: number): void {
    for (const call of context.pendingCalls) {
      if (call.result !== undefined || call.platform || track.tools.has(call.id)) continue;
      if (call.needsApproval && call.decision !== 'approved') continue;
      const span = this.core.tracer.startSpan(
        `execute_tool ${call.name}`,
        {
          kind: SpanKind.INTERNAL,
          startTime: now,
          attributes: {
            [GEN_AI.operationName]: 'execute_tool',
            [GEN_AI.providerName]: PROVIDER,
            [GEN_AI.toolName]: call.name,
            [GEN_AI.toolCallId]: call.id,
            [GEN_AI.toolType]: 'function',
            [GEN_AI.conversationId]: context.id,
          },
        },
        track.turnContext,
      );
      if (this.core.captureContent)
        span.setAttribute(GEN_AI.toolArguments, contentOf(call.arguments));
      track.tools.set(call.id, span);
    }
  }

  private applyEvent(
    track: Track,
    context: ConversationContextLike,
    event: ConversationEventLike,
    now: number,
  ): void {
    switch (event.type) {
      case 'model.delta':
        if (track.chat && track.chat.firstChunkAt === undefined) track.chat.firstChunkAt = now;
        return;
      case 'model.end': {
        const e = event as Extract<ConversationEventLike, { type: 'model.end' }>;
        this.endChat(
          track,
          {
            finishReason: e.finishReason,
            usage: e.usage,
            output: { text: e.text, toolCalls: e.toolCalls },
          },
          now,
        );
        for (const h of e.handoffs ?? []) {
          track.turn?.addEvent(
            'handoff',
            { 'mistral_flows.handoff.from': h.from, 'mistral_flows.handoff.to': h.to },
            now,
          );
        }
        return;
      }
      case 'model.error': {
        const e = event as Extract<ConversationEventLike, { type: 'model.error' }>;
        this.endChat(track, { errorType: e.error.code, errorMessage: e.error.message }, now);
        return;
      }
      case 'tool.result': {
        const { result } = event as Extract<ConversationEventLike, { type: 'tool.result' }>;
        const span = track.tools.get(result.callId);
        if (!span) return;
        track.tools.delete(result.callId);
        if (this.core.captureContent)
          span.setAttribute(GEN_AI.toolResult, contentOf(result.content));
        if (!result.ok) failSpan(span, result.failure ?? 'tool_error');
        this.endLater(track, span, now);
        return;
      }
      case 'tool.approve':
      case 'tool.reject': {
        const e = event as { type: string; callId: string };
        const call = context.pendingCalls.find((c) => c.id === e.callId);
        track.turn?.addEvent(
          event.type === 'tool.approve' ? 'approval.granted' : 'approval.rejected',
          { [GEN_AI.toolCallId]: e.callId, ...(call ? { [GEN_AI.toolName]: call.name } : {}) },
          now,
        );
        return;
      }
      case 'user.cancel':
        if (track.chat) {
          track.chat.span.addEvent('cancelled', undefined, now);
          this.endChat(track, {}, now);
        }
        track.turn?.addEvent('cancelled', undefined, now);
        return;
      default:
        return;
    }
  }

  private endChat(track: Track, end: Parameters<typeof endChatSpan>[4], now: number): void {
    const chat = track.chat;
    if (!chat) return;
    track.chat = undefined;
    const finish = () =>
      endChatSpan(
        this.core,
        chat.span,
        chat.model,
        chat.startedAt,
        { ...end, firstChunkAt: chat.firstChunkAt },
        now,
      );
    if (track.pending) void track.pending.then(finish);
    else finish();
  }

  private endTurn(
    track: Track,
    context: ConversationContextLike,
    value: string,
    now: number,
  ): void {
    const span = track.turn;
    if (!span) return;
    if (track.chat) this.endChat(track, { errorType: 'cancelled' }, now);
    for (const [id, tool] of track.tools) {
      tool.addEvent('cancelled', undefined, now);
      this.endLater(track, tool, now);
      track.tools.delete(id);
    }
    span.setAttribute(GEN_AI.inputTokens, context.current.usage.promptTokens);
    span.setAttribute(GEN_AI.outputTokens, context.current.usage.completionTokens);
    if (value === 'failed' && context.lastError) {
      failSpan(span, context.lastError.code, context.lastError.message);
    } else if (value === 'idle' && context.lastTurn?.finishReason) {
      span.setAttribute(GEN_AI.finishReasons, [context.lastTurn.finishReason]);
    }
    track.turn = undefined;
    track.turnContext = undefined;
    this.endLater(track, span, now);
    track.pending = undefined;
  }

  /** Ends a span at `now`, once the store read of its turn's link is done. */
  private endLater(track: Track, span: Span, now: number): void {
    if (track.pending) void track.pending.then(() => span.end(now));
    else span.end(now);
  }
}
