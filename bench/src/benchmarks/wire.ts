import { createClient, mapConcurrent } from '@mistral-flows/core';
import type { ChatCompletionRequest } from '@mistralai/mistralai/models/components';
import { alternate, cpuMs, format, measurement, medianRatio, type Benchmark } from '../harness.js';

/** Calls per block, at this concurrency. */
const CALLS = 1000;
const CONCURRENCY = 16;
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

/**
 * The floor: `fetch` of a body serialised once, and `JSON.parse` of the answer, with no check,
 * no conversion, no timeout.
 */
function bareFetch(serverURL: string) {
  const url = `${serverURL}/v1/chat/completions`;
  const body = JSON.stringify({ model, stream: false, messages: plain.messages });
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: 'Bearer bench',
  };
  return async () => {
    const response = await fetch(url, { method: 'POST', headers, body });
    return JSON.parse(await response.text()) as unknown;
  };
}

export const benchmark: Benchmark = {
  name: 'wire',
  title: `Client CPU per non-streamed chat.complete, createClient({ wire: 'fast' }) against the SDK wire (${CALLS} calls per block at concurrency ${CONCURRENCY}, the emulator in its own process)`,
  async run(ctx) {
    const emulator = await ctx.startEmulator();
    try {
      const sdk = createClient({ serverURL: emulator.url, apiKey: 'bench', env: {} });
      const fast = createClient({
        serverURL: emulator.url,
        apiKey: 'bench',
        env: {},
        wire: 'fast',
      });
      const FLOOR = 'floor: bare fetch + JSON.parse, one user message';
      const SDK_PLAIN = 'SDK wire, one user message';
      const FAST_PLAIN = 'fast wire, one user message';
      const SDK_HISTORY = 'SDK wire, 20-message conversation with tool calls';
      const FAST_HISTORY = 'fast wire, 20-message conversation with tool calls';
      const samples = await alternate(
        {
          [FLOOR]: perCall(bareFetch(emulator.url)),
          [SDK_PLAIN]: perCall(() => sdk.chat.complete(plain)),
          [FAST_PLAIN]: perCall(() => fast.chat.complete(plain)),
          [SDK_HISTORY]: perCall(() => sdk.chat.complete(history)),
          [FAST_HISTORY]: perCall(() => fast.chat.complete(history)),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      const plainRatio = medianRatio(samples[FAST_PLAIN]!, samples[SDK_PLAIN]!);
      const historyRatio = medianRatio(samples[FAST_HISTORY]!, samples[SDK_HISTORY]!);
      const floorRatio = medianRatio(samples[FAST_PLAIN]!, samples[FLOOR]!);
      return {
        name: 'wire',
        title: this.title,
        measurements: Object.entries(samples).map(([name, values]) =>
          measurement(name, 'client CPU per call', 'ms', values),
        ),
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
            name: 'fast wire / bare fetch + JSON.parse, CPU per plain call',
            target: 'none',
            actual: format(floorRatio),
            met: true,
          },
        ],
        notes: [
          `Fast wire / SDK wire, client CPU per call (median of per-round ratios): one user message ${format(plainRatio)}, a 20-message conversation with tool calls ${format(historyRatio)}; fast wire / bare fetch ${format(floorRatio)}.`,
          "Both clients come from createClient with the same options (no SDK retries, no rate limiter); the answers are the emulator's scripted text (about 50 tokens). Client CPU only: the emulator runs in its own process.",
        ],
      };
    } finally {
      await emulator.close();
    }
  },
};
