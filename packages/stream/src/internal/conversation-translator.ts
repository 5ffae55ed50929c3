import type { ConversationEvents } from '@mistralai/mistralai/models/components';
import type { Usage } from '@mistral-flows/core';
import type { ResponseEndEvent, StreamEvent, ToolCallPart } from '../stream-event.js';
import { StreamError } from '../stream-error.js';
import { contentText, parseArguments, toUsage } from './completion-translator.js';
import { IncompleteStreamError, type Translator } from './run-stream.js';

/**
 * Turns Conversations API events into stream events. Message deltas become `text-delta`s;
 * function calls (whose arguments may arrive in several deltas) become `tool-call`s at the end
 * of the response; built-in tool executions and agent handoffs keep their own event types;
 * events this version does not know pass through as `unknown`.
 */
export class ConversationTranslator implements Translator<ConversationEvents> {
  started = false;
  text = '';
  private conversationId = '';
  private model: string | undefined;
  private deltas = 0;
  private readonly calls = new Map<string, { name: string; args: string; pending: boolean }>();
  private readonly handoffs: Array<{ from: string; to: string; toAgentId: string }> = [];
  private handingOff: string | undefined;
  private usage: Usage | undefined;
  private done = false;

  constructor(private readonly attempt: number) {}

  push(message: ConversationEvents, emit: (event: StreamEvent) => void): void {
    const data = message.data;
    switch (data.type) {
      case 'conversation.response.started':
        this.conversationId = data.conversationId;
        return;
      case 'message.output.delta': {
        if (data.model) this.model = data.model;
        const text = typeof data.content === 'string' ? data.content : contentText([data.content]);
        if (text === '') return;
        this.start(emit);
        this.text += text;
        emit({ type: 'text-delta', text, index: this.deltas++ });
        return;
      }
      case 'function.call.delta': {
        if (data.model) this.model = data.model;
        const call = this.calls.get(data.toolCallId);
        const pending = data.confirmationStatus === 'pending';
        if (call) {
          call.args += data.arguments;
          call.pending ||= pending;
        } else {
          this.calls.set(data.toolCallId, { name: data.name, args: data.arguments, pending });
        }
        return;
      }
      case 'tool.execution.started':
        this.start(emit);
        emit({
          type: 'tool-execution-start',
          id: data.id,
          name: String(data.name),
          arguments: data.arguments,
        });
        return;
      case 'tool.execution.delta':
        this.start(emit);
        emit({
          type: 'tool-execution-delta',
          id: data.id,
          name: String(data.name),
          arguments: data.arguments,
        });
        return;
      case 'tool.execution.done':
        this.start(emit);
        emit({
          type: 'tool-execution-end',
          id: data.id,
          name: String(data.name),
          info: data.info ?? undefined,
        });
        return;
      case 'agent.handoff.started':
        this.start(emit);
        this.handingOff = data.previousAgentName || data.previousAgentId;
        emit({
          type: 'agent-handoff-start',
          id: data.id,
          previousAgentId: data.previousAgentId,
          previousAgentName: data.previousAgentName,
        });
        return;
      case 'agent.handoff.done':
        this.start(emit);
        this.handoffs.push({
          from: this.handingOff ?? '',
          to: data.nextAgentName || data.nextAgentId,
          toAgentId: data.nextAgentId,
        });
        this.handingOff = undefined;
        emit({
          type: 'agent-handoff-end',
          id: data.id,
          nextAgentId: data.nextAgentId,
          nextAgentName: data.nextAgentName,
        });
        return;
      case 'conversation.response.done':
        this.usage = toUsage(data.usage);
        this.done = true;
        return;
      case 'conversation.response.error':
        throw new StreamError(`The conversation failed on the server: ${data.message}`, {
          classification: classifyCode(data.code, data.message),
          partialText: this.text,
          attempt: this.attempt,
          phase: this.started ? 'after-first-delta' : 'before-first-delta',
        });
      case 'UNKNOWN':
        this.start(emit);
        emit({ type: 'unknown', event: message.event, raw: data.raw });
        return;
      default:
        return;
    }
  }

  end(emit: (event: StreamEvent) => void): void {
    if (!this.done) throw new IncompleteStreamError();
    this.start(emit);
    const toolCalls: ToolCallPart[] = [];
    for (const [id, call] of this.calls) {
      const part: ToolCallPart = {
        id,
        name: call.name,
        arguments: parseArguments(call.args),
        rawArguments: call.args,
        index: toolCalls.length,
        ...(call.pending ? { confirmation: 'pending' as const } : {}),
      };
      toolCalls.push(part);
      emit({ type: 'tool-call', ...part });
    }
    emit({
      type: 'response-end',
      id: this.conversationId,
      conversationId: this.conversationId,
      model: this.model,
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      usage: this.usage,
      text: this.text,
      toolCalls,
      ...this.handoffFields(),
    });
  }

  /** After a handoff, the agent that answered and the handoffs (left out when there was none). */
  private handoffFields(): Pick<ResponseEndEvent, 'agent' | 'handoffs'> {
    const last = this.handoffs.at(-1);
    if (!last) return {};
    return {
      agent: { agentId: last.toAgentId, agentName: last.to },
      handoffs: this.handoffs,
    };
  }

  private start(emit: (event: StreamEvent) => void): void {
    if (this.started) return;
    this.started = true;
    emit({
      type: 'response-start',
      id: this.conversationId,
      conversationId: this.conversationId,
      model: this.model,
      attempt: this.attempt,
    });
  }
}

function classifyCode(code: number, message: string) {
  const status = code >= 400 && code < 600 ? code : 500;
  const rateLimited = status === 429;
  return {
    code: rateLimited
      ? ('rate_limited' as const)
      : status >= 500
        ? ('server' as const)
        : ('invalid_request' as const),
    status,
    retryable: rateLimited || status >= 500,
    message,
  };
}
