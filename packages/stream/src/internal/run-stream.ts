import {
  abortReason,
  backoffDelay,
  classifyError,
  clientTimeoutMs,
  InvalidArgumentError,
  withRequestSignal,
  sleep,
  type ErrorClassification,
  type RetryPolicy,
} from '@mistral-flows/core';
import type { Mistral } from '@mistralai/mistralai';
import { Observable } from 'rxjs';
import type { StreamEvent } from '../stream-event.js';
import { StreamError } from '../stream-error.js';

/** Options shared by `chatStream`, `agentStream` and `conversationStream`. */
export interface StreamOptions {
  /**
   * Retries before the first delta (connection errors, 429 honouring `Retry-After`, 5xx), with
   * core's backoff. Default `{ maxAttempts: 3 }`; `false` turns retries off.
   */
  retry?: RetryPolicy | false;
  /**
   * What to do when the stream breaks after its first delta: `error` (default) ends with a
   * `StreamError` holding the partial text; `restart` sends the request again and emits a
   * `restart` event so that consumers reset.
   */
  onInterrupt?: 'error' | 'restart';
  /** Restarts allowed under `onInterrupt: 'restart'` (default 2). */
  maxRestarts?: number;
  /** Stops the stream: the request is aborted and the observable completes, without an error. */
  signal?: AbortSignal;
  /**
   * Per-attempt timeout, stream body included (default: the client's `timeoutMs`, else the SDK's
   * 300 s). It applies with or without a `signal`.
   */
  timeoutMs?: number;
  /** Extra request headers (for example the emulator's `x-emulator-fault`). */
  headers?: Record<string, string>;
}

/** Turns the raw messages of one attempt into stream events. */
export interface Translator<M> {
  /** True once an event has been emitted for this attempt. */
  readonly started: boolean;
  /** Text received so far in this attempt. */
  readonly text: string;
  push(message: M, emit: (event: StreamEvent) => void): void;
  /** The stream ended cleanly: emit the final events, or throw when the response is incomplete. */
  end(emit: (event: StreamEvent) => void): void;
}

export interface RunStreamSpec<M> {
  /** The client the requests go through: its `timeoutMs` is the default per-attempt timeout. */
  client: Mistral;
  /** Opens one attempt. */
  open: (requestOptions: {
    signal: AbortSignal;
    headers?: Record<string, string>;
  }) => Promise<AsyncIterable<M>>;
  translator: (attempt: number) => Translator<M>;
  /** Whether a failure before the first delta may be retried (default: when classified retryable). */
  retryable?: (classification: ErrorClassification) => boolean;
  /** Whether `onInterrupt: 'restart'` is allowed for this kind of stream. */
  restartable?: boolean;
}

/** A stream that ended before the response said it was finished. */
export class IncompleteStreamError extends Error {
  constructor(message = 'The stream ended before the response finished') {
    super(message);
    this.name = 'IncompleteStreamError';
  }
}

/**
 * The engine behind every stream: a cold Observable that opens one request per subscription,
 * retries before the first delta, restarts or fails after it, and turns unsubscribing or the
 * caller's signal into an abort of the HTTP request, never into an error.
 */
export function runStream<M>(
  spec: RunStreamSpec<M>,
  options: StreamOptions = {},
): Observable<StreamEvent> {
  const {
    retry = {},
    onInterrupt = 'error',
    maxRestarts = 2,
    signal: userSignal,
    timeoutMs = clientTimeoutMs(spec.client),
    headers,
  } = options;
  if (onInterrupt !== 'error' && onInterrupt !== 'restart') {
    throw new InvalidArgumentError(
      'onInterrupt',
      `expected 'error' or 'restart', got ${String(onInterrupt)}`,
    );
  }
  if (onInterrupt === 'restart' && spec.restartable === false) {
    throw new InvalidArgumentError(
      'onInterrupt',
      "'restart' is not available here: sending the request again would append the input twice",
    );
  }
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new InvalidArgumentError(
      'maxRestarts',
      `expected an integer >= 0, got ${String(maxRestarts)}`,
    );
  }
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new InvalidArgumentError('timeoutMs', `expected a positive number, got ${timeoutMs}`);
  }
  const maxAttempts = retry === false ? 1 : (retry.maxAttempts ?? 3);
  const maxRetryAfterMs = retry === false ? 0 : (retry.maxRetryAfterMs ?? 60_000);

  return new Observable<StreamEvent>((subscriber) => {
    const controller = new AbortController();
    let closed = false;
    /** The stream ended by itself: nothing is left to abort. */
    let finished = false;
    const onUserAbort = () => {
      controller.abort(abortReason(userSignal!));
      if (!closed) {
        closed = true;
        subscriber.complete();
      }
    };
    if (userSignal?.aborted) {
      subscriber.complete();
      return undefined;
    }
    userSignal?.addEventListener('abort', onUserAbort, { once: true });
    const emit = (event: StreamEvent) => {
      if (!closed) subscriber.next(event);
    };

    const run = async () => {
      let restarts = 0;
      let retriesLeft = maxAttempts - 1;
      for (let attempt = 1; ; attempt++) {
        const translator = spec.translator(attempt);
        try {
          // The SDK drops its own timeout when a request carries a signal: add it back, for the
          // whole attempt (the body included), and release its timer as soon as the attempt ends.
          const ended = await withRequestSignal(controller.signal, timeoutMs, async (signal) => {
            const iterable = await spec.open(headers ? { signal, headers } : { signal });
            for await (const message of iterable) {
              if (closed) return false;
              translator.push(message, emit);
            }
            return true;
          });
          if (!ended || closed) return;
          translator.end(emit);
          closed = true;
          finished = true;
          subscriber.complete();
          return;
        } catch (error) {
          if (closed || controller.signal.aborted) return;
          const classification = classify(error);
          if (!translator.started) {
            const allowed = spec.retryable
              ? spec.retryable(classification)
              : classification.retryable;
            const retryAfter = classification.retryAfterMs ?? 0;
            if (allowed && retriesLeft > 0 && retryAfter <= maxRetryAfterMs) {
              retriesLeft--;
              const policy = retry === false ? {} : retry;
              const delay = Math.max(
                backoffDelay(maxAttempts - 1 - retriesLeft, policy),
                retryAfter,
              );
              policy.onRetry?.({ attempt, delayMs: delay, error, classification });
              await sleep(delay, controller.signal);
              continue;
            }
          } else if (
            onInterrupt === 'restart' &&
            classification.retryable &&
            restarts < maxRestarts
          ) {
            restarts++;
            emit({
              type: 'restart',
              attempt: attempt + 1,
              reason: classification.code,
              discardedText: translator.text,
            });
            continue;
          }
          closed = true;
          finished = true;
          subscriber.error(toStreamError(error, classification, translator, attempt));
          return;
        }
      }
    };

    run().catch((error: unknown) => {
      // Only an aborted backoff sleep lands here; anything else is a bug worth surfacing.
      if (closed || controller.signal.aborted) return;
      closed = true;
      subscriber.error(error);
    });

    return () => {
      closed = true;
      userSignal?.removeEventListener('abort', onUserAbort);
      // Aborting a finished request does nothing but build an AbortError with its stack trace.
      if (!finished) controller.abort();
    };
  });
}

function classify(error: unknown): ErrorClassification {
  if (error instanceof IncompleteStreamError) {
    return { code: 'network', retryable: true, message: error.message };
  }
  if (StreamError.isInstance(error)) return error.classification();
  return classifyError(error);
}

function toStreamError(
  error: unknown,
  classification: ErrorClassification,
  translator: Translator<unknown>,
  attempt: number,
): StreamError {
  const frame = StreamError.isInstance(error) ? error.frame : malformedFrame(error);
  const message =
    frame !== undefined
      ? `The stream sent a malformed frame: ${truncate(frame, 200)}`
      : `Stream failed (${classification.code}): ${classification.message}`;
  return new StreamError(message, {
    classification:
      frame !== undefined
        ? { ...classification, code: 'response_invalid', retryable: false }
        : classification,
    partialText: translator.text,
    attempt,
    phase: translator.started ? 'after-first-delta' : 'before-first-delta',
    ...(frame !== undefined ? { frame } : {}),
    cause: error,
  });
}

/** The raw frame behind an SDK parse failure (a ZodError whose issue carries the input). */
function malformedFrame(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  if (name !== 'ZodError' && name !== '$ZodError' && name !== 'SyntaxError') return undefined;
  const issues = (error as { issues?: Array<{ input?: unknown }> }).issues;
  const input = issues?.find((issue) => issue.input !== undefined)?.input;
  if (typeof input === 'string') return input;
  if (input !== undefined) return JSON.stringify(input);
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : 'unreadable frame';
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
