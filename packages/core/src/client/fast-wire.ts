import type { Mistral } from '@mistralai/mistralai';
import { getRegisteredTracerProvider } from '@mistralai/mistralai/extra/observability/provider.js';
import { SDK_METADATA } from '@mistralai/mistralai/lib/config.js';
import {
  isAbortError,
  isConnectionError,
  isTimeoutError,
  matchContentType,
} from '@mistralai/mistralai/lib/http.js';
import type { EventStream, SseMessage } from '@mistralai/mistralai/lib/event-streams.js';
import type { RequestOptions } from '@mistralai/mistralai/lib/sdks.js';
import type {
  ChatCompletionResponse,
  CompletionEvent,
  ConversationEvents,
  ConversationRequest,
  ConversationResponse,
  ConversationStreamRequest,
} from '@mistralai/mistralai/models/components';
import {
  ConnectionError,
  HTTPValidationError$inboundSchema,
  RequestAbortedError,
  RequestTimeoutError,
  ResponseValidationError,
  SDKError,
  UnexpectedClientError,
} from '@mistralai/mistralai/models/errors';
import type {
  AgentsApiV1ConversationsAppendRequest,
  AgentsApiV1ConversationsAppendStreamRequest,
} from '@mistralai/mistralai/models/operations';
import type { RateLimiter } from '../concurrency/rate-limiter.js';
import { tagFailedRequest } from '../errors/failed-request.js';
import { readCompletionEvent } from './fast-chat-chunk.js';
import {
  agentsRequestBody,
  chatRequestBody,
  stringifyChatRequestBody,
} from './fast-chat-request.js';
import { isObject, readChatCompletion } from './fast-chat-response.js';
import { conversationAppend, conversationStartBody } from './fast-conversation-request.js';
import { readConversationEvent, readConversationResponse } from './fast-conversation-response.js';
import {
  httpTarget,
  post,
  readText,
  toResponse,
  type CallLimit,
  type HttpAnswer,
  type HttpTarget,
} from './fast-http.js';
import { FastEventStream } from './fast-sse.js';

/** The per-call options the fast wire honours itself; any other sends the call through the SDK. */
const FAST_OPTIONS: ReadonlySet<string> = new Set(['signal', 'timeoutMs', 'headers']);
const USER_AGENT = `mistral-client-typescript/${SDK_METADATA.sdkVersion}`;
const VALIDATION_FAILED = 'Response validation failed';

/**
 * Replaces `client.chat.complete`, `client.chat.stream`, `client.agents.complete`,
 * `client.agents.stream` and `client.beta.conversations.start`, `startStream`, `append` and
 * `appendStream`, on a client built by `createClient`
 * (whose HTTP client is `clientHttp(rateLimiter)`), with fast implementations: `node:http` (see
 * `fast-http.ts`), `JSON.parse` (of the answer, or of each event read by `FastEventStream`), and
 * hand-written conversion of the request and the response instead of the SDK's zod schemas and
 * request pipeline. It does what `clientHttp`'s hooks do (the failed request's method and URL on
 * errors, every response's headers to `rateLimiter.observe`). Requests, results and errors are
 * the SDK's own: the same body and headers, the same camelCase result (an `EventStream` of the
 * same events for `stream`, `startStream` and `appendStream`, failing mid-stream as the SDK's
 * does), the same error classes (`SDKError`, `HTTPValidationError`, `ResponseValidationError`,
 * `ConnectionError`, `RequestTimeoutError`, `RequestAbortedError`) with the same messages. Agents
 * completions answer with chat completions and chat completion events, read by the same readers;
 * conversations with `ConversationResponse`s and `ConversationEvents`, read by
 * `fast-conversation-response.ts`. Every stream is read by `eventStreamReader`.
 *
 * A call goes through the SDK, unchanged, when the fast path cannot promise that:
 * - the client was built with SDK retries (`retryConfig` other than `none`), a debug logger, an
 *   API key given as a function, SDK tracing (a tracer provider registered with the SDK's
 *   `registerTracerProvider`, or `MISTRAL_SDK_TELEMETRY` set);
 * - the call passes options other than `signal`, `timeoutMs` and `headers` (`retries`,
 *   `serverURL`, `fetchOptions`, ...);
 * - the request holds something the converter does not handle (content chunks, tools other than
 *   functions, `prediction`, `guardrails`, input entries other than `message.input` and
 *   `function.result`, values the SDK would refuse: see `chatRequestBody`, `agentsRequestBody`,
 *   `conversationStartBody` and `conversationAppend`).
 *
 * The SDK's `chat.parse`, `chat.parseStream`, `beta.conversations.restart` and every other method
 * are left as they are.
 */
export function installFastWire(client: Mistral, rateLimiter?: RateLimiter): void {
  const chat = client.chat;
  const options = chat._options;
  const env = process.env;
  const retry = options.retryConfig;
  const apiKey = options.apiKey;
  const base = chat._baseURL;
  if (
    (retry !== undefined && retry.strategy !== 'none') ||
    (apiKey !== undefined && typeof apiKey !== 'string') ||
    options.debugLogger !== undefined ||
    nonEmpty(env.MISTRAL_DEBUG) ||
    nonEmpty(env.MISTRAL_SDK_TELEMETRY) ||
    base === null
  ) {
    return;
  }
  const authorization = bearer(apiKey);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const target = (path: string): Target => {
    const url = new URL(path, base);
    return { url: url.href, http: httpTarget(url), authorization, limiter: rateLimiter, timeoutMs };
  };
  installOn(chat, target('v1/chat/completions'), chatRequestBody);
  installOn(client.agents, target('v1/agents/completions'), agentsRequestBody);
  installConversations(client.beta.conversations, target);
}

/** The two methods of an SDK resource (`chat`, `agents`) that the fast wire serves. */
interface CompletionMethods<Complete, Stream> {
  complete(request: Complete, options?: RequestOptions): Promise<ChatCompletionResponse>;
  stream(request: Stream, options?: RequestOptions): Promise<EventStream<CompletionEvent>>;
}

/**
 * Replaces `sdk.complete` and `sdk.stream` with calls to `target` for the requests `toBody`
 * converts, and the SDK's own methods for the rest.
 */
function installOn<Complete, Stream>(
  sdk: CompletionMethods<Complete, Stream>,
  target: Target,
  toBody: (request: Complete | Stream, stream: boolean) => Record<string, unknown> | undefined,
): void {
  const sdkComplete = sdk.complete.bind(sdk);
  const sdkStream = sdk.stream.bind(sdk);
  const fastBody = (
    request: Complete | Stream,
    callOptions: RequestOptions | undefined,
    stream: boolean,
  ) => (servesFast(callOptions) ? toBody(request, stream) : undefined);
  sdk.complete = (request: Complete, callOptions?: RequestOptions) => {
    const body = fastBody(request, callOptions, false);
    return body
      ? fastComplete(target, body, callOptions, readJsonCompletion)
      : sdkComplete(request, callOptions);
  };
  sdk.stream = (request: Stream, callOptions?: RequestOptions) => {
    const body = fastBody(request, callOptions, true);
    return body
      ? fastStream(target, body, callOptions, readCompletionEvents)
      : sdkStream(request, callOptions);
  };
}

/** The four methods of `client.beta.conversations` that the fast wire serves. */
interface ConversationMethods {
  start(request: ConversationRequest, options?: RequestOptions): Promise<ConversationResponse>;
  startStream(
    request: ConversationStreamRequest,
    options?: RequestOptions,
  ): Promise<EventStream<ConversationEvents>>;
  append(
    request: AgentsApiV1ConversationsAppendRequest,
    options?: RequestOptions,
  ): Promise<ConversationResponse>;
  appendStream(
    request: AgentsApiV1ConversationsAppendStreamRequest,
    options?: RequestOptions,
  ): Promise<EventStream<ConversationEvents>>;
}

/**
 * Replaces `start`, `startStream`, `append` and `appendStream` of `sdk` with calls to the
 * Conversations API (`v1/conversations`, `v1/conversations/{conversation_id}`) for the requests
 * `conversationStartBody` and `conversationAppend` convert, and the SDK's own methods for the rest.
 * An append's path holds the conversation id, so its target is built per call.
 */
function installConversations(sdk: ConversationMethods, target: (path: string) => Target): void {
  const methods = {
    start: sdk.start.bind(sdk),
    startStream: sdk.startStream.bind(sdk),
    append: sdk.append.bind(sdk),
    appendStream: sdk.appendStream.bind(sdk),
  };
  const started = target('v1/conversations');
  sdk.start = (request, options) => {
    const body = servesFast(options) ? conversationStartBody(request, false) : undefined;
    return body
      ? fastComplete(started, body, options, readJsonConversation)
      : methods.start(request, options);
  };
  sdk.startStream = (request, options) => {
    const body = servesFast(options) ? conversationStartBody(request, true) : undefined;
    return body
      ? fastStream(started, body, options, readConversationEvents)
      : methods.startStream(request, options);
  };
  sdk.append = (request, options) => {
    const call = servesFast(options) ? conversationAppend(request, false) : undefined;
    return call
      ? fastComplete(target(call.path), call.body, options, readJsonConversation)
      : methods.append(request, options);
  };
  sdk.appendStream = (request, options) => {
    const call = servesFast(options) ? conversationAppend(request, true) : undefined;
    return call
      ? fastStream(target(call.path), call.body, options, readConversationEvents)
      : methods.appendStream(request, options);
  };
}

interface Target {
  url: string;
  http: HttpTarget;
  authorization: string | undefined;
  limiter: RateLimiter | undefined;
  timeoutMs: number;
}

async function fastComplete<T>(
  target: Target,
  body: Record<string, unknown>,
  options: RequestOptions | undefined,
  readSuccess: ReadSuccess<T>,
): Promise<T> {
  const [answer, sent] = await send(target, body, options, 'application/json');
  return readResponse(answer, sent, readSuccess);
}

async function fastStream<T extends SseMessage<unknown>>(
  target: Target,
  body: Record<string, unknown>,
  options: RequestOptions | undefined,
  readSuccess: ReadSuccess<EventStream<T>>,
): Promise<EventStream<T>> {
  const [answer, sent] = await send(target, body, options, 'text/event-stream');
  return readResponse(answer, sent, readSuccess);
}

/**
 * Sends `body` as the SDK would, with its headers (the caller's override all but the user
 * agent), and does what `clientHttp`'s hooks do with the outcome. As the SDK's, the call ends at
 * the caller's signal alone when there is one, else at the timeout, which also covers reading
 * the answer (a stream's included) and is released as soon as the answer has been read.
 */
async function send(
  target: Target,
  body: Record<string, unknown>,
  options: RequestOptions | undefined,
  accept: string,
): Promise<[HttpAnswer, SentRequest]> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  if (target.authorization !== undefined) headers.authorization = target.authorization;
  headers.cookie = '';
  if (options?.headers) for (const [k, v] of new Headers(options.headers)) headers[k] = v;
  headers['user-agent'] = USER_AGENT;
  const text = stringifyChatRequestBody(body);
  const signal = options?.signal ?? undefined;
  const limit: CallLimit = {
    signal,
    timeoutMs: signal ? 0 : options?.timeoutMs || target.timeoutMs,
  };
  const limiter = target.limiter;
  const admissionsBefore = limiter?.admissions;
  let answer: HttpAnswer;
  try {
    answer = await post(target.http, headers, text, limit);
  } catch (error) {
    tagFailedRequest(error, { method: 'POST', url: target.url });
    throw clientError(error);
  }
  const status = answer.status;
  limiter?.observe(answer.headers, {
    status,
    ...(admissionsBefore !== undefined ? { admissionsBefore } : {}),
  });
  return [answer, { url: target.url, headers, body: text, model: body.model }];
}

/**
 * What was sent, from which the `Request` the SDK's errors carry is built, only when one is
 * thrown: building a `Request` for every call costs about as much as the rest of the fast path.
 */
interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The request's model, for the deprecation warning of a streamed answer. */
  model: unknown;
}

const toRequest = ({ url, headers, body }: SentRequest): Request =>
  new Request(url, { method: 'POST', headers, body });

/** `matchContentType` (the SDK's) of an answer's content type. */
const hasContentType = (answer: HttpAnswer, pattern: string): boolean =>
  matchContentType(contentTypeOnly(answer), pattern);

/** What `matchContentType` reads of a `Response`: its content type. */
function contentTypeOnly(answer: HttpAnswer): Response {
  const contentType = answer.headers['content-type'] ?? null;
  return { headers: { get: () => contentType } } as unknown as Response;
}

/**
 * Reads a 200 as the SDK's success matcher of one call does: `undefined` when it does not match
 * (the content type), the result, or a thrown error.
 */
type ReadSuccess<T> = (answer: HttpAnswer, sent: SentRequest) => Promise<T> | undefined;

/** Reads a JSON answer with `read`, whose error the SDK reports as a `ResponseValidationError`. */
const jsonReader =
  <T>(read: (raw: unknown) => T): ReadSuccess<T> =>
  (answer, sent) => {
    if (!hasContentType(answer, 'application/json')) return undefined;
    return readText(answer).then((body) => {
      const raw: unknown = JSON.parse(body);
      warnIfDeprecated(answer, () => (isObject(raw) ? raw.model : undefined));
      try {
        return read(raw);
      } catch (cause) {
        throw validationError(
          cause,
          raw,
          toRequest(sent),
          toResponse(answer, body, sent.url),
          body,
        );
      }
    });
  };

/**
 * Reads an event stream, each event decoded by `decode` (which throws, as the SDK's schemas do,
 * for an event the stream then fails with). Every stream of the fast wire is read here.
 */
const eventStreamReader =
  <T extends SseMessage<unknown>>(
    decode: (event: SseMessage<string>) => IteratorResult<T, undefined>,
  ): ReadSuccess<EventStream<T>> =>
  (answer, sent) => {
    if (!hasContentType(answer, 'text/event-stream')) return undefined;
    warnIfDeprecated(answer, () => sent.model);
    return Promise.resolve(new FastEventStream(answer.body, decode, answer.bodyError));
  };

const readJsonCompletion = jsonReader(readChatCompletion);
const readJsonConversation = jsonReader(readConversationResponse);

/** Chat completion events, up to the `[DONE]` that ends them. */
const readCompletionEvents = eventStreamReader<CompletionEvent>((event) =>
  event.data === '[DONE]'
    ? { done: true, value: undefined }
    : { done: false, value: readCompletionEvent(event) },
);

/** Conversation events: the stream ends with the answer, every event is read (no `[DONE]`). */
const readConversationEvents = eventStreamReader<ConversationEvents>((event) => ({
  done: false,
  value: readConversationEvent(event),
}));

/** The result or the error the SDK's matchers give for `answer`. */
async function readResponse<T>(
  answer: HttpAnswer,
  sent: SentRequest,
  readSuccess: ReadSuccess<T>,
): Promise<T> {
  const status = answer.status;
  const success = status === 200 ? readSuccess(answer, sent) : undefined;
  if (success) return success;
  if (status < 400 || status >= 600) warnIfDeprecated(answer, () => undefined);
  const json = hasContentType(answer, 'application/json');
  const body = await readText(answer).catch((error: unknown) => {
    // As the SDK, which reads the body of an answer it cannot use only for its error.
    if (status >= 400 && status < 600) throw error;
    return '';
  });
  const request = toRequest(sent);
  const response = toResponse(answer, body, sent.url);
  if (status === 422 && json) {
    const raw: unknown = JSON.parse(body);
    const data = {
      HttpMeta: { Response: response, Request: request },
      ...(isObject(raw) ? raw : null),
      request$: request,
      response$: response,
      body$: body,
    };
    let error: Error;
    try {
      error = HTTPValidationError$inboundSchema.parse(data);
    } catch (cause) {
      throw validationError(cause, data, request, response, body);
    }
    throw error;
  }
  if (status >= 400 && status < 600) {
    throw new SDKError('API error occurred', { request, response, body });
  }
  throw new SDKError('Unexpected Status or Content-Type', { request, response, body });
}

function validationError(
  cause: unknown,
  rawValue: unknown,
  request: Request,
  response: Response,
  body: string,
): ResponseValidationError {
  return new ResponseValidationError(VALIDATION_FAILED, {
    cause,
    rawValue,
    rawMessage: VALIDATION_FAILED,
    request,
    response,
    body,
  });
}

/** The SDK's error for a request that got no answer, by the SDK's own tests. */
function clientError(error: unknown): Error {
  if (isAbortError(error))
    return new RequestAbortedError('Request aborted by client', { cause: error });
  if (isTimeoutError(error)) return new RequestTimeoutError('Request timed out', { cause: error });
  if (isConnectionError(error))
    return new ConnectionError('Unable to make request', { cause: error });
  return new UnexpectedClientError('Unexpected HTTP client error', { cause: error });
}

const DEPRECATION_HEADER = 'x-model-deprecation-timestamp';

/**
 * The warning the SDK prints when the API says the model is deprecated, naming the model of the
 * answer (`model()`), or of the request for a streamed answer, which the SDK cannot read.
 */
function warnIfDeprecated(answer: HttpAnswer, model: () => unknown): void {
  const removal = answer.headers[DEPRECATION_HEADER];
  if (removal === undefined) return;
  const name = model();
  console.warn(
    `WARNING: The model ${typeof name === 'string' ? name : String(name)} is deprecated and will be removed on ${String(removal)}. Please refer to https://docs.mistral.ai/getting-started/models/#api-versioning for more information.`,
  );
}

/** Whether a call with `options` can take the fast path: no SDK tracing, no other option. */
function servesFast(options: RequestOptions | undefined): boolean {
  return fastOptions(options) && getRegisteredTracerProvider() === undefined;
}

function fastOptions(options: RequestOptions | undefined): boolean {
  if (options === undefined) return true;
  for (const key in options) {
    if (options[key as keyof RequestOptions] !== undefined && !FAST_OPTIONS.has(key)) return false;
  }
  return true;
}

/** The `Authorization` header the SDK sends for `apiKey`. */
function bearer(apiKey: string | undefined): string | undefined {
  if (!apiKey) return undefined;
  return apiKey.slice(0, 7).toLowerCase() === 'bearer ' ? apiKey : `Bearer ${apiKey}`;
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}
