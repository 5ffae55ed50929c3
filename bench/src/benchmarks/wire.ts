import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, mapConcurrent } from '@mistral-flows/core';
import { chatStream } from '@mistral-flows/stream';
import type { Mistral } from '@mistralai/mistralai';
import type { ChatCompletionRequest } from '@mistralai/mistralai/models/components';
import { lastValueFrom, tap } from 'rxjs';
import { alternate, cpuMs, format, measurement, medianRatio, type Benchmark } from '../harness.js';

/** Calls per block, at this concurrency. */
const CALLS = 1000;
const CONCURRENCY = 16;
/** Streams per block, one after the other, of about `WORDS` chunks each. */
const STREAMS = 10;
const WORDS = 800;
const STORY = 'Tell the long benchmark story.';
const model = 'mistral-small-latest';

const plain: ChatCompletionRequest = {
  model,
  messages: [{ role: 'user', content: 'Tell me about the tides of Brittany.' }],
};

/** A conversation 20 messages long with tool calls and results, as an agent sends on later turns. */
const history: ChatCompletionRequest = {
  model,
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
    },
  ],
  messages: [
    { role: 'system', content: 'You are a brief travel assistant.' },
    ...Array.from({ length: 6 }, (_, i) => [
      { role: 'user' as const, content: `What is the weather in city number ${i}?` },
      {
        role: 'assistant' as const,
        content: '',
        toolCalls: [
          { id: `call${i}`, function: { name: 'get_weather', arguments: `{"city":"c${i}"}` } },
        ],
      },
      { role: 'tool' as const, content: '{"celsius":18}', toolCallId: `call${i}` },
    ]).flat(),
    { role: 'user', content: 'And overall, where should I go?' },
  ],
};

/** Client CPU per call (ms) for `CALLS` calls of `call`, `CONCURRENCY` at a time. */
function perCall(call: () => Promise<unknown>) {
  const calls = Array.from({ length: CALLS }, (_, i) => i);
  return async () => {
    const before = cpuMs();
    await mapConcurrent(calls, call, { concurrency: CONCURRENCY });
    return (cpuMs() - before) / CALLS;
  };
}

/** What the floors send: `request` serialised once, with the headers a bare client needs. */
function bareRequest(serverURL: string, request: Record<string, unknown>, accept: string) {
  return {
    url: `${serverURL}/v1/chat/completions`,
    body: JSON.stringify(request),
    headers: { 'content-type': 'application/json', accept, authorization: 'Bearer bench' },
  };
}

/**
 * The floor: `fetch` of a body serialised once, and `JSON.parse` of the answer, with no check,
 * no conversion, no timeout.
 */
function bareFetch(serverURL: string) {
  const { url, body, headers } = bareRequest(
    serverURL,
    { model, stream: false, messages: plain.messages },
    'application/json',
  );
  return async () => {
    const response = await fetch(url, { method: 'POST', headers, body });
    return JSON.parse(await response.text()) as unknown;
  };
}

/**
 * The floor under `fetch`: `node:http` over a kept-alive connection and `JSON.parse` of the
 * answer, with no check, no conversion, no timeout.
 */
function bareHttp(serverURL: string) {
  const url = new URL(`${serverURL}/v1/chat/completions`);
  const body = JSON.stringify({ model, stream: false, messages: plain.messages });
  const agent = new Agent({ keepAlive: true });
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: 'Bearer bench',
    'content-length': String(Buffer.byteLength(body)),
  };
  return () =>
    new Promise<unknown>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(JSON.parse(text)));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
}

/** Client CPU per streamed chunk (µs) for `STREAMS` streams, each read by `read`. */
function perChunk(read: () => Promise<number>) {
  return async () => {
    let chunks = 0;
    const before = cpuMs();
    for (let i = 0; i < STREAMS; i++) chunks += await read();
    return ((cpuMs() - before) * 1000) / Math.max(1, chunks);
  };
}

const storyRequest = { model, messages: [{ role: 'user' as const, content: STORY }] };

/** `client.chat.stream` read to the end with `for await`; the chunks with text. */
function sdkStream(client: Mistral) {
  return async () => {
    let chunks = 0;
    const stream = await client.chat.stream(storyRequest);
    for await (const event of stream) if (event.data.choices[0]?.delta.content) chunks++;
    return chunks;
  };
}

/** `chatStream` (the stream package) read to the end; the chunks with text. */
function packageStream(client: Mistral) {
  return async () => {
    let chunks = 0;
    await lastValueFrom(
      chatStream(client, storyRequest).pipe(
        tap((event) => {
          if (event.type === 'text-delta') chunks++;
        }),
      ),
      { defaultValue: undefined },
    );
    return chunks;
  };
}

/**
 * The floor of a stream: `fetch`, one streaming `TextDecoder`, the frames split on blank lines and
 * each one's data `JSON.parse`d, with no check and no conversion.
 */
function bareStream(serverURL: string) {
  const { url, body, headers } = bareRequest(
    serverURL,
    { ...storyRequest, stream: true },
    'text/event-stream',
  );
  return async () => {
    const response = await fetch(url, { method: 'POST', headers, body });
    const decoder = new TextDecoder();
    let text = '';
    let chunks = 0;
    for await (const bytes of response.body as ReadableStream<Uint8Array>) {
      text += decoder.decode(bytes, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const frame = text.slice(0, end);
        text = text.slice(end + 2);
        if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue;
        const chunk = JSON.parse(frame.slice(6)) as {
          choices: { delta: { content?: string | null } }[];
        };
        if (chunk.choices[0]?.delta.content) chunks++;
      }
    }
    return chunks;
  };
}

export const benchmark: Benchmark = {
  name: 'wire',
  title: `Client CPU per chat.complete (${CALLS} calls per block at concurrency ${CONCURRENCY}) and per chunk of chat.stream, createClient({ wire: 'fast' }) against the SDK wire, the emulator in its own process`,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-wire-'));
    const scenarios = join(dir, 'scenarios.json');
    const text = Array.from({ length: WORDS }, (_, i) => `word${i % 97}`).join(' ');
    writeFileSync(
      scenarios,
      JSON.stringify({ rules: [{ match: { lastUserMessage: 'benchmark story' }, text }] }),
    );
    const emulator = await ctx.startEmulator(['--scenarios', scenarios]);
    try {
      const sdk = createClient({ serverURL: emulator.url, apiKey: 'bench', env: {} });
      const fast = createClient({
        serverURL: emulator.url,
        apiKey: 'bench',
        env: {},
        wire: 'fast',
      });
      const agent = { agentId: (await sdk.beta.agents.create({ model, name: 'bench' })).id };
      const FLOOR = 'floor: bare fetch + JSON.parse, one user message';
      const HTTP_FLOOR = 'floor: bare node:http + JSON.parse, one user message';
      const SDK_PLAIN = 'SDK wire, one user message';
      const FAST_PLAIN = 'fast wire, one user message';
      const SDK_HISTORY = 'SDK wire, 20-message conversation with tool calls';
      const FAST_HISTORY = 'fast wire, 20-message conversation with tool calls';
      const SDK_AGENT = 'SDK wire, agents.complete, one user message';
      const FAST_AGENT = 'fast wire, agents.complete, one user message';
      const samples = await alternate(
        {
          [FLOOR]: perCall(bareFetch(emulator.url)),
          [HTTP_FLOOR]: perCall(bareHttp(emulator.url)),
          [SDK_PLAIN]: perCall(() => sdk.chat.complete(plain)),
          [FAST_PLAIN]: perCall(() => fast.chat.complete(plain)),
          [SDK_HISTORY]: perCall(() => sdk.chat.complete(history)),
          [FAST_HISTORY]: perCall(() => fast.chat.complete(history)),
          [SDK_AGENT]: perCall(() => sdk.agents.complete({ ...agent, messages: plain.messages })),
          [FAST_AGENT]: perCall(() => fast.agents.complete({ ...agent, messages: plain.messages })),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      const SDK_STREAM = 'SDK wire, chat.stream read to the end';
      const FAST_STREAM = 'fast wire, chat.stream read to the end';
      const STREAM_FLOOR = 'floor: fetch, frames split on blank lines, JSON.parse';
      const SDK_PACKAGE = 'SDK wire, chatStream (the stream package)';
      const FAST_PACKAGE = 'fast wire, chatStream (the stream package)';
      const streams = await alternate(
        {
          [STREAM_FLOOR]: perChunk(bareStream(emulator.url)),
          [SDK_STREAM]: perChunk(sdkStream(sdk)),
          [FAST_STREAM]: perChunk(sdkStream(fast)),
          [SDK_PACKAGE]: perChunk(packageStream(sdk)),
          [FAST_PACKAGE]: perChunk(packageStream(fast)),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      const streamRatio = medianRatio(streams[FAST_STREAM]!, streams[SDK_STREAM]!);
      const streamFloorRatio = medianRatio(streams[STREAM_FLOOR]!, streams[SDK_STREAM]!);
      const packageRatio = medianRatio(streams[FAST_PACKAGE]!, streams[SDK_STREAM]!);
      const sdkPackageRatio = medianRatio(streams[SDK_PACKAGE]!, streams[SDK_STREAM]!);
      const plainRatio = medianRatio(samples[FAST_PLAIN]!, samples[SDK_PLAIN]!);
      const historyRatio = medianRatio(samples[FAST_HISTORY]!, samples[SDK_HISTORY]!);
      const agentRatio = medianRatio(samples[FAST_AGENT]!, samples[SDK_AGENT]!);
      const floorRatio = medianRatio(samples[FAST_PLAIN]!, samples[FLOOR]!);
      const httpFloorRatio = medianRatio(samples[FAST_PLAIN]!, samples[HTTP_FLOOR]!);
      return {
        name: 'wire',
        title: this.title,
        measurements: [
          ...Object.entries(samples).map(([name, values]) =>
            measurement(name, 'client CPU per call', 'ms', values),
          ),
          ...Object.entries(streams).map(([name, values]) =>
            measurement(name, 'client CPU per chunk', 'µs', values),
          ),
        ],
        goals: [
          {
            name: 'fast wire / SDK wire, CPU per plain chat.complete',
            target: '<= 0.6',
            actual: format(plainRatio),
            met: plainRatio <= 0.6,
          },
          {
            name: 'fast wire / SDK wire, CPU per chat.complete with a 20-message history',
            target: '<= 0.5',
            actual: format(historyRatio),
            met: historyRatio <= 0.5,
          },
          {
            name: 'fast wire / SDK wire, CPU per streamed chunk of chat.stream',
            target: '<= 0.25',
            actual: format(streamRatio),
            met: streamRatio <= 0.25,
          },
          {
            name: 'chatStream on the fast wire / chat.stream on the SDK wire, CPU per streamed chunk',
            target: 'none',
            actual: format(packageRatio),
            met: true,
          },
          {
            name: 'fast wire / bare fetch + JSON.parse, CPU per plain call',
            target: 'none',
            actual: format(floorRatio),
            met: true,
          },
          {
            name: 'fast wire / bare node:http + JSON.parse, CPU per plain call',
            target: 'none',
            actual: format(httpFloorRatio),
            met: true,
          },
        ],
        notes: [
          `Fast wire / SDK wire, client CPU per call (median of per-round ratios): one user message ${format(plainRatio)}, a 20-message conversation with tool calls ${format(historyRatio)}, agents.complete with one user message ${format(agentRatio)}; fast wire / bare fetch ${format(floorRatio)}, / bare node:http ${format(httpFloorRatio)}. Per streamed chunk (${STREAMS} streams of about ${WORDS} chunks per block), against chat.stream on the SDK wire: chat.stream on the fast wire ${format(streamRatio)}, chatStream on the fast wire ${format(packageRatio)} and on the SDK wire ${format(sdkPackageRatio)}, the floor (fetch, split, JSON.parse) ${format(streamFloorRatio)}.`,
          "Both clients come from createClient with the same options (no SDK retries, no rate limiter); the answers are the emulator's scripted text (about 50 tokens). Client CPU only: the emulator runs in its own process.",
        ],
      };
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
