import type { Mistral } from '@mistralai/mistralai';
import type { RequestOptions } from '@mistralai/mistralai/lib/sdks.js';
import type {
  AgentsCompletionRequest,
  AgentsCompletionStreamRequest,
  ChatCompletionRequest,
  ChatCompletionResponse,
  ChatCompletionStreamRequest,
  CompletionEvent,
} from '@mistralai/mistralai/models/components';
import { expect } from 'vitest';
import { agentsRequestBody, chatRequestBody } from '../src/client/fast-chat-request.js';
import { classifyError, createClient, type CreateClientOptions } from '../src/index.js';

/**
 * One endpoint the fast wire serves, as the differential tests call it on either wire: its
 * requests, results and stream events (chat completions by default).
 */
export interface WireEndpoint<
  Complete,
  Stream,
  Result = ChatCompletionResponse,
  Event = CompletionEvent,
> {
  /** What the fast wire would send, or `undefined` when the call goes through the SDK. */
  body(request: Complete | Stream, stream: boolean): object | undefined;
  complete(client: Mistral, request: Complete, options?: RequestOptions): Promise<Result>;
  stream(client: Mistral, request: Stream, options?: RequestOptions): Promise<AsyncIterable<Event>>;
  /** `fast`'s result with what differs from call to call (ids, clocks) taken from `sdk`'s. */
  sameIds(fast: Result, sdk: Result): Result;
  /** `fast`'s events with what differs from call to call taken from `sdk`'s. */
  sameEventIds(fast: Event[], sdk: Event[]): Event[];
}

/** `chat.complete` and `chat.stream`. */
export const chatEndpoint: WireEndpoint<ChatCompletionRequest, ChatCompletionStreamRequest> = {
  body: chatRequestBody,
  complete: (client, request, options) => client.chat.complete(request, options),
  stream: (client, request, options) => client.chat.stream(request, options),
  sameIds,
  sameEventIds,
};

/** `agents.complete` and `agents.stream`. */
export const agentsEndpoint: WireEndpoint<AgentsCompletionRequest, AgentsCompletionStreamRequest> =
  {
    body: agentsRequestBody,
    complete: (client, request, options) => client.agents.complete(request, options),
    stream: (client, request, options) => client.agents.stream(request, options),
    sameIds,
    sameEventIds,
  };

/** Which client a request factory builds for: the SDK's or the fast wire's. */
export type Wire = 'sdk' | 'fast';
/** A request, or the request for each wire (an append to each wire's own conversation). */
export type WireRequest<Request> = Request | ((wire: Wire) => Request);
const requestOn = <Request>(request: WireRequest<Request>, wire: Wire): Request =>
  typeof request === 'function' ? (request as (wire: Wire) => Request)(wire) : request;

/**
 * The differential checks bound to `endpoint`: `expectSame` runs a request through an SDK client
 * and a fast-wire client built with the same options and expects the same result or error;
 * `expectSameStream` does the same for a stream's events and error.
 */
export function compareWires<Complete, Stream, Result, Event>(
  endpoint: WireEndpoint<Complete, Stream, Result, Event>,
) {
  return {
    expectSame: (
      clientOptions: CreateClientOptions,
      request: WireRequest<Complete>,
      options?: () => RequestOptions,
      fastPath = true,
    ) => expectSame(endpoint, clientOptions, request, options, fastPath),
    expectSameStream: (
      clientOptions: CreateClientOptions,
      request: WireRequest<Stream>,
      options?: () => RequestOptions,
      stop?: (events: Event[]) => boolean,
    ) => expectSameStream(endpoint, clientOptions, request, options, stop),
  };
}

export type Outcome<Result = ChatCompletionResponse> =
  { ok: true; value: Result } | { ok: false; error: unknown };

async function settle<Result>(call: () => Promise<Result>): Promise<Outcome<Result>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The emulator's ids are a process-wide counter and `created` its clock: the rest must match. */
function sameIds(fast: ChatCompletionResponse, sdk: ChatCompletionResponse) {
  if (fast.id !== sdk.id) expect(fast.id).toMatch(/^[0-9a-f]{32}$/);
  expect(Math.abs(fast.created - sdk.created)).toBeLessThanOrEqual(1);
  return {
    ...fast,
    id: sdk.id,
    created: sdk.created,
    choices: fast.choices.map((choice, i) => {
      const message = choice.message;
      if (!message?.toolCalls) return choice;
      const sdkCalls = sdk.choices[i]?.message?.toolCalls ?? [];
      const toolCalls = message.toolCalls.map((call, j) => ({ ...call, id: sdkCalls[j]?.id }));
      return { ...choice, message: { ...message, toolCalls } };
    }),
  };
}

/** Hex ids (request ids, completion ids) differ between two calls: everything else must not. */
const scrub = (value: unknown) =>
  typeof value === 'string' ? value.replace(/[0-9a-f]{32}/g, '<id>') : value;

/** Everything a caller can read on an error, Request and Response objects aside. */
export function describeError(error: unknown) {
  const e = error as Error & Record<string, unknown>;
  const headers = e.headers instanceof Headers ? Object.fromEntries(e.headers) : e.headers;
  if (headers && typeof headers === 'object') delete (headers as Record<string, unknown>).date;
  const cause = e.cause as (Error & { issues?: unknown }) | undefined;
  return {
    constructor: e.constructor.name,
    name: e.name,
    message: scrub(e.message),
    statusCode: e.statusCode,
    body: scrub(e.body),
    contentType: e.contentType,
    headers,
    detail: e.detail,
    rawValue: plain(e.rawValue),
    rawMessage: e.rawMessage,
    cause:
      cause instanceof Error
        ? { name: cause.name, message: scrub(cause.message), issues: cause.issues }
        : cause,
    classified: { ...classifyError(error), message: scrub(classifyError(error).message) },
  };
}

/** `value` without its Request and Response objects (an HTTPValidationError's raw data holds them). */
function plain(value: unknown): unknown {
  if (value instanceof Request || value instanceof Response) return value.constructor.name;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return scrub(value);
}

/**
 * Runs `request` through an SDK client and a fast-wire client built with the same options, and
 * expects the same result (in the same key order) or the same error. Returns the SDK's outcome.
 */
async function expectSame<Complete, Stream, Result, Event>(
  endpoint: WireEndpoint<Complete, Stream, Result, Event>,
  clientOptions: CreateClientOptions,
  request: WireRequest<Complete>,
  options?: () => RequestOptions,
  fastPath = true,
): Promise<Outcome<Result>> {
  const fastRequest = requestOn(request, 'fast');
  expect(endpoint.body(fastRequest, false) !== undefined).toBe(fastPath);
  const sdkClient = createClient({ env: {}, ...clientOptions });
  const fastClient = createClient({ env: {}, ...clientOptions, wire: 'fast' });
  const sdkRequest = requestOn(request, 'sdk');
  const sdk = await settle(() => endpoint.complete(sdkClient, sdkRequest, options?.()));
  const fast = await settle(() => endpoint.complete(fastClient, fastRequest, options?.()));
  expect(fast.ok).toBe(sdk.ok);
  if (sdk.ok && fast.ok) {
    const normalised = endpoint.sameIds(fast.value, sdk.value);
    expect(normalised).toStrictEqual(sdk.value);
    expect(JSON.stringify(normalised)).toBe(JSON.stringify(sdk.value));
  } else if (!sdk.ok && !fast.ok) {
    expect(describeError(fast.error)).toStrictEqual(describeError(sdk.error));
  }
  return sdk;
}

export const errorOf = <Result>(outcome: Outcome<Result>): unknown => {
  if (outcome.ok) throw new Error('expected an error');
  return outcome.error;
};
export const valueOf = <Result>(outcome: Outcome<Result>): Result => {
  if (!outcome.ok) throw outcome.error as Error;
  return outcome.value;
};

export type StreamOutcome<Event = CompletionEvent> = { events: Event[]; error?: unknown };

/** Every event `open()`'s stream gives, and the error it ends with, if any. */
async function drain<Event>(
  open: () => Promise<AsyncIterable<Event>>,
): Promise<StreamOutcome<Event>> {
  const events: Event[] = [];
  try {
    for await (const event of await open()) events.push(event);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

/** `fast`'s events with the emulator's ids and clock taken from `sdk`'s (they differ per call). */
function sameEventIds(fast: CompletionEvent[], sdk: CompletionEvent[]) {
  return fast.map((event, i) => {
    const other = sdk[i]?.data;
    if (!other) return event;
    if (event.data.id !== other.id) expect(event.data.id).toMatch(/^[0-9a-f]{32}$/);
    const choices = event.data.choices.map((choice, c) => {
      const calls = choice.delta.toolCalls;
      if (!calls) return choice;
      const sdkCalls = other.choices[c]?.delta.toolCalls ?? [];
      const toolCalls = calls.map((call, j) => ({ ...call, id: sdkCalls[j]?.id }));
      return { ...choice, delta: { ...choice.delta, toolCalls } };
    });
    const data = { ...event.data, id: other.id, choices };
    if (data.created !== undefined && other.created !== undefined) {
      expect(Math.abs(data.created - other.created)).toBeLessThanOrEqual(1);
      data.created = other.created;
    }
    return { data };
  });
}

/**
 * Streams `request` through an SDK client and a fast-wire client built with the same options,
 * and expects the same events (in the same key order) and the same error, at the opening or
 * mid-stream. Returns the SDK's outcome.
 */
async function expectSameStream<Complete, Stream, Result, Event>(
  endpoint: WireEndpoint<Complete, Stream, Result, Event>,
  clientOptions: CreateClientOptions,
  request: WireRequest<Stream>,
  options?: () => RequestOptions,
  stop?: (events: Event[]) => boolean,
): Promise<StreamOutcome<Event>> {
  expect(endpoint.body(requestOn(request, 'fast'), true)).toBeDefined();
  const sdkClient = createClient({ env: {}, ...clientOptions });
  const fastClient = createClient({ env: {}, ...clientOptions, wire: 'fast' });
  const run = async (client: Mistral, wire: Wire) => {
    const controller = new AbortController();
    const callOptions = options?.() ?? {};
    if (stop) callOptions.signal = controller.signal;
    return drain(async () => {
      const stream = await endpoint.stream(client, requestOn(request, wire), callOptions);
      return (async function* () {
        const seen: Event[] = [];
        for await (const event of stream) {
          seen.push(event);
          yield event;
          if (stop?.(seen)) controller.abort();
        }
      })();
    });
  };
  const sdk = await run(sdkClient, 'sdk');
  const fast = await run(fastClient, 'fast');
  const events = endpoint.sameEventIds(fast.events, sdk.events);
  expect(events).toStrictEqual(sdk.events);
  expect(JSON.stringify(events)).toBe(JSON.stringify(sdk.events));
  expect(fast.error === undefined).toBe(sdk.error === undefined);
  if (sdk.error !== undefined) {
    expect(describeError(fast.error)).toStrictEqual(describeError(sdk.error));
  }
  return sdk;
}
