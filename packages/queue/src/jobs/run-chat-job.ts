import { abortReason, clientTimeoutMs, withRequestSignal } from '@mistral-flows/core';
import { agentStream, chatStream, toCompletion, type StreamEvent } from '@mistral-flows/stream';
import type { Mistral } from '@mistralai/mistralai';
import type {
  AssistantMessage,
  ChatCompletionResponse,
} from '@mistralai/mistralai/models/components';
import { lastValueFrom, tap } from 'rxjs';
import {
  DEFAULT_MODEL,
  type ChatJobData,
  type ChatJobProgress,
  type ChatJobResult,
  type ChatToolCall,
} from './chat-job.js';

export interface RunChatJobOptions {
  /** Stops the call (the worker closing). */
  signal?: AbortSignal;
  /** Deadline of the model call (default: the client's timeout, else the SDK's 300 s). */
  timeoutMs?: number;
  /** Called on every text delta of a streamed job. */
  onDelta?: (progress: ChatJobProgress) => void;
}

/**
 * Runs one chat or agent job through the SDK: `chat.complete` / `agents.complete`, or, for a
 * streamed job, `chatStream` / `agentStream` from `@mistral-flows/stream` (with their own retries
 * off: BullMQ retries the job). Every call has a deadline, `timeoutMs` or else the client's own
 * timeout: the SDK drops its timeout when a signal is given, so a plain call carries core's
 * `withRequestSignal` (the caller's signal and the deadline) and a stream gets `timeoutMs`
 * explicitly. A call past its deadline fails as a timeout (retryable). Errors are the SDK's (or a
 * `StreamError`), unclassified.
 */
export async function runChatJob(
  client: Mistral,
  data: ChatJobData,
  options: RunChatJobOptions = {},
): Promise<ChatJobResult> {
  const { signal } = options;
  const timeoutMs = options.timeoutMs ?? clientTimeoutMs(client);
  const kind = data.agentId !== undefined ? 'agent' : 'chat';
  const metadata = data.metadata;
  if (data.stream) {
    const progress: ChatJobProgress = { chunks: 0, characters: 0 };
    const streamOptions = {
      retry: false as const,
      ...(signal ? { signal } : {}),
      timeoutMs,
    };
    const events =
      data.agentId !== undefined
        ? agentStream(client, { agentId: data.agentId, messages: data.messages }, streamOptions)
        : chatStream(
            client,
            { model: data.model ?? DEFAULT_MODEL, messages: data.messages },
            streamOptions,
          );
    const completion = await lastValueFrom(
      events.pipe(
        tap((event: StreamEvent) => {
          if (event.type !== 'text-delta') return;
          progress.chunks++;
          progress.characters += event.text.length;
          options.onDelta?.({ ...progress });
        }),
        toCompletion(),
      ),
      { defaultValue: undefined },
    );
    if (!completion)
      throw signal?.aborted
        ? abortReason(signal)
        : new Error('The stream ended without a response');
    return {
      kind,
      completionId: completion.id,
      model: completion.model,
      content: completion.text,
      toolCalls: completion.toolCalls.map((call) => ({
        id: call.id,
        name: call.name,
        arguments: call.rawArguments,
      })),
      finishReason: completion.finishReason,
      usage: completion.usage,
      metadata,
    };
  }
  // The deadline's timer is released as soon as the call settles: a worker makes thousands of
  // calls per second, and a timer left for the whole timeout per call costs more than the job.
  const response: ChatCompletionResponse = await withRequestSignal(
    signal,
    timeoutMs,
    (requestSignal) =>
      data.agentId !== undefined
        ? client.agents.complete(
            { agentId: data.agentId, messages: data.messages },
            { signal: requestSignal },
          )
        : client.chat.complete(
            { model: data.model ?? DEFAULT_MODEL, messages: data.messages },
            { signal: requestSignal },
          ),
  );
  const choice = response.choices[0];
  return {
    kind,
    completionId: response.id,
    model: response.model,
    content: textOf(choice?.message),
    toolCalls: toolCallsOf(choice?.message),
    finishReason: choice?.finishReason ?? 'unknown',
    usage: {
      promptTokens: response.usage.promptTokens ?? 0,
      completionTokens: response.usage.completionTokens ?? 0,
      totalTokens: response.usage.totalTokens ?? 0,
    },
    metadata,
  };
}

function textOf(message: AssistantMessage | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((chunk) => (chunk.type === 'text' ? chunk.text : '')).join('');
}

function toolCallsOf(message: AssistantMessage | undefined): ChatToolCall[] {
  return (message?.toolCalls ?? []).map((call) => ({
    id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
  }));
}
