import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistral } from '@ai-sdk/mistral';
import {
  HumanMessage,
  ToolMessage,
  type AIMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import { tool as langchainTool } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { ChatMistralAI } from '@langchain/mistralai';
import { createConversation, defineTool } from '@mistral-flows/agents';
import { FileStore, createClient, mapConcurrent, type Store } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { Mistral } from '@mistralai/mistralai';
import { generateText, stepCountIs, tool as aiTool } from 'ai';
import { assign, createActor, fromCallback, setup, type EventObject } from 'xstate';
import { z } from 'zod';
import {
  cpuMs,
  format,
  measurement,
  median,
  medianRatio,
  type Benchmark,
  type BenchContext,
} from '../harness.js';

/** Turns per block, run at this concurrency; each turn is a new conversation. */
const TURNS = 200;
const CONCURRENCY = 20;
const model = 'mistral-small-latest';
/** The emulator's scripted model calls `get_weather` for this, then answers with its result. */
const PROMPT = 'What is the weather in "Paris"? Use get_weather.';

const weather = async ({ city }: { city: string }) => ({ city, celsius: 18 });
const cityParameters = z.object({ city: z.string() });

/** A store that keeps nothing: what persistence costs beyond the machine. */
class DiscardStore implements Store {
  private versions = new Map<string, number>();
  get(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  set<T>(key: string, value: T) {
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    return Promise.resolve({ key, value, version });
  }
  delete(key: string) {
    return Promise.resolve(this.versions.delete(key));
  }
  list() {
    return Promise.resolve([]);
  }
  close() {
    return Promise.resolve();
  }
}

type Contender = () => Promise<void>;
type ChatMessages = Parameters<Mistral['chat']['complete']>[0]['messages'];
type ChatTools = Parameters<Mistral['chat']['complete']>[0]['tools'];

/**
 * The floor of the design: the same loop as the bare one, as a minimal XState machine (an actor
 * per turn, a child actor per model call and per tool round, the history in its context by
 * `assign`), nothing persisted, no events, no retries.
 */
function minimalToolMachine(client: Mistral, tools: ChatTools) {
  type Answer = { type: 'answer'; messages: ChatMessages; calls: number };
  return setup({
    types: {
      context: {} as { messages: ChatMessages },
      input: {} as { prompt: string },
      events: {} as Answer | { type: 'results'; messages: ChatMessages },
    },
    actors: {
      complete: fromCallback<EventObject, { messages: ChatMessages }>(({ input, sendBack }) => {
        const controller = new AbortController();
        void client.chat
          .complete({ model, messages: input.messages, tools }, { signal: controller.signal })
          .then((res) => {
            const message = res.choices[0]?.message;
            if (message === undefined) throw new Error('the minimal machine got no choice');
            const calls = message.toolCalls ?? [];
            sendBack({
              type: 'answer',
              calls: calls.length,
              messages: [
                ...input.messages,
                { role: 'assistant', content: message.content ?? '', toolCalls: calls },
              ],
            } satisfies Answer);
          })
          .catch((error: unknown) => {
            // A failed call fails the benchmark run, as it would in the bare loop.
            queueMicrotask(() => {
              throw error;
            });
          });
        return () => controller.abort();
      }),
      runTools: fromCallback<EventObject, { messages: ChatMessages }>(({ input, sendBack }) => {
        void runWeather(input.messages).then((results) =>
          sendBack({ type: 'results', messages: [...input.messages, ...results] }),
        );
      }),
    },
  }).createMachine({
    context: ({ input }) => ({ messages: [{ role: 'user', content: input.prompt }] }),
    initial: 'calling',
    states: {
      calling: {
        invoke: { src: 'complete', input: ({ context }) => ({ messages: context.messages }) },
        on: {
          answer: [
            {
              guard: ({ event }) => event.calls > 0,
              target: 'tools',
              actions: assign(({ event }) => ({ messages: event.messages })),
            },
            { target: 'done', actions: assign(({ event }) => ({ messages: event.messages })) },
          ],
        },
      },
      tools: {
        invoke: { src: 'runTools', input: ({ context }) => ({ messages: context.messages }) },
        on: {
          results: {
            target: 'calling',
            actions: assign(({ event }) => ({ messages: event.messages })),
          },
        },
      },
      done: { type: 'final' },
    },
  });
}

/** Interquartile range of a sample. */
function iqr(values: number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return [at(0.25), at(0.75)];
}

/**
 * Runs every contender's block of `TURNS` turns once per round, rotating who goes first, and
 * returns each one's client CPU per turn (ms) per round.
 */
async function alternateBlocks(
  ctx: BenchContext,
  contenders: Record<string, Contender>,
): Promise<Record<string, number[]>> {
  const names = Object.keys(contenders);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const turns = Array.from({ length: TURNS }, (_, i) => i);
  for (let round = 0; round < ctx.warmup + ctx.rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      const turn = contenders[name]!;
      const before = cpuMs();
      await mapConcurrent(turns, () => turn(), { concurrency: CONCURRENCY });
      const perTurn = (cpuMs() - before) / TURNS;
      if (round >= ctx.warmup) samples[name]!.push(perTurn);
      ctx.log(
        `  ${round < ctx.warmup ? 'warm-up' : `round ${round - ctx.warmup + 1}`} ${name}: ${format(perTurn)} ms CPU per turn`,
      );
    }
  }
  return samples;
}

/**
 * The same machine without child actors: it only records the loop's steps (a model answer, the
 * tool results) as events, and the loop makes the calls. What a design without an actor per call
 * would cost at least.
 */
const drivenToolMachine = setup({
  types: {
    context: {} as { messages: ChatMessages },
    input: {} as { prompt: string },
    events: {} as { type: 'step'; messages: ChatMessages; next: 'calling' | 'tools' | 'done' },
  },
}).createMachine({
  context: ({ input }) => ({ messages: [{ role: 'user', content: input.prompt }] }),
  initial: 'calling',
  states: {
    calling: {
      on: {
        step: [
          { guard: ({ event }) => event.next === 'tools', target: 'tools' },
          { target: 'done' },
        ],
      },
      exit: assign(({ event }) => ({ messages: (event as { messages: ChatMessages }).messages })),
    },
    tools: {
      on: { step: 'calling' },
      exit: assign(({ event }) => ({ messages: (event as { messages: ChatMessages }).messages })),
    },
    done: { type: 'final' },
  },
});

/** Runs one turn of the bare loop through `drivenToolMachine`. */
async function drivenTurn(client: Mistral, tools: ChatTools): Promise<void> {
  const actor = createActor(drivenToolMachine, { input: { prompt: PROMPT } }).start();
  for (let step = 0; step < 8; step++) {
    const snapshot = actor.getSnapshot();
    if (snapshot.status === 'done') return;
    const messages = snapshot.context.messages;
    if (snapshot.value === 'calling') {
      const res = await client.chat.complete({ model, messages, tools });
      const message = res.choices[0]?.message;
      if (message === undefined) throw new Error('the driven machine got no choice');
      const calls = message.toolCalls ?? [];
      actor.send({
        type: 'step',
        next: calls.length > 0 ? 'tools' : 'done',
        messages: [
          ...messages,
          { role: 'assistant', content: message.content ?? '', toolCalls: calls },
        ],
      });
    } else {
      actor.send({
        type: 'step',
        next: 'calling',
        messages: [...messages, ...(await runWeather(messages))],
      });
    }
  }
  throw new Error('the driven machine did not finish in 8 steps');
}

/** The tool messages for the calls of the last assistant message. */
/** One turn of `machine` (from `minimalToolMachine`), to its end. */
function minimalTurn(machine: ReturnType<typeof minimalToolMachine>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const actor = createActor(machine, { input: { prompt: PROMPT } });
    actor.subscribe({
      complete: () =>
        actor.getSnapshot().context.messages.length >= 4
          ? resolve()
          : reject(new Error('the minimal machine answered without the tool')),
      error: reject,
    });
    actor.start();
  });
}

async function runWeather(messages: ChatMessages): Promise<ChatMessages> {
  const last = messages.at(-1);
  const calls = last && 'toolCalls' in last ? (last.toolCalls ?? []) : [];
  return Promise.all(
    calls.map(async (call) => {
      const args =
        typeof call.function.arguments === 'string'
          ? (JSON.parse(call.function.arguments) as { city: string })
          : (call.function.arguments as { city: string });
      return {
        role: 'tool' as const,
        toolCallId: call.id ?? '',
        name: call.function.name,
        content: JSON.stringify(await weather(args)),
      };
    }),
  );
}

export const benchmark: Benchmark = {
  name: 'agent-turn',
  title: `Agent turn with one tool round trip (two model calls, one tool): client CPU per turn, ${TURNS} turns per block at concurrency ${CONCURRENCY}, against the same emulator`,
  async run(ctx) {
    const emulator = await ctx.startEmulator();
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-agent-turn-'));
    const fileStore = new FileStore({ dir });
    const bareFileStore = new FileStore({ dir: join(dir, 'bare') });
    const bareSqliteStore = new SqliteStore({ path: join(dir, 'bare.sqlite') });
    try {
      const client = new Mistral({ serverURL: emulator.url, apiKey: 'bench' });
      const fastClient = createClient({ serverURL: emulator.url, apiKey: 'bench', wire: 'fast' });
      const getWeather = defineTool({
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: cityParameters,
        execute: weather,
      });
      const apiTools = [getWeather.toApiTool()];

      /**
       * The bare loop; with a store, it also writes its history there (compare-and-set on its own
       * key) before the first call and after every step, as a durable loop must at least.
       */
      const bareLoop =
        (store?: Store, on: Mistral = client): Contender =>
        async () => {
          const messages: ChatMessages = [{ role: 'user', content: PROMPT }];
          const key = `bare-${randomUUID()}`;
          let version = 0;
          const persist = async () => {
            if (store) version = (await store.set(key, messages, { ifVersion: version })).version;
          };
          await persist();
          for (let step = 0; step < 4; step++) {
            const res = await on.chat.complete({ model, messages, tools: apiTools });
            const message = res.choices[0]?.message;
            if (message === undefined) throw new Error('the bare loop got no choice');
            const calls = message.toolCalls ?? [];
            messages.push({ role: 'assistant', content: message.content ?? '', toolCalls: calls });
            await persist();
            if (calls.length === 0) return;
            messages.push(...(await runWeather(messages)));
            await persist();
          }
          throw new Error('the bare loop did not finish in 4 steps');
        };
      const bare = bareLoop();

      const machine = minimalToolMachine(client, apiTools);
      const minimal: Contender = () => minimalTurn(machine);

      const vercel = createMistral({ baseURL: `${emulator.url}/v1`, apiKey: 'bench' });
      const aiSdk: Contender = async () => {
        await generateText({
          model: vercel(model),
          prompt: PROMPT,
          tools: {
            get_weather: aiTool({
              description: 'The weather in a city',
              inputSchema: cityParameters,
              execute: weather,
            }),
          },
          stopWhen: stepCountIs(4),
        });
      };

      const lcWeather = langchainTool(
        async (args: { city: string }) => JSON.stringify(await weather(args)),
        { name: 'get_weather', description: 'The weather in a city', schema: cityParameters },
      );
      const lcModel = new ChatMistralAI({ model, apiKey: 'bench', serverURL: emulator.url });
      const lcBound = lcModel.bindTools([lcWeather]);
      const langchain: Contender = async () => {
        const messages: BaseMessage[] = [new HumanMessage(PROMPT)];
        for (let step = 0; step < 4; step++) {
          const reply = (await lcBound.invoke(messages)) as AIMessage;
          messages.push(reply);
          const calls = reply.tool_calls ?? [];
          if (calls.length === 0) return;
          for (const call of calls) {
            const content = JSON.stringify(await weather(call.args as { city: string }));
            messages.push(new ToolMessage({ content, tool_call_id: call.id ?? '' }));
          }
        }
        throw new Error('the LangChain loop did not finish in 4 steps');
      };

      const graph = createReactAgent({ llm: lcModel, tools: [lcWeather] });
      const langgraph: Contender = async () => {
        await graph.invoke({ messages: [new HumanMessage(PROMPT)] });
      };

      const ours =
        (store: Store | false, on: Mistral = client): Contender =>
        async () => {
          const conversation = createConversation({
            client: on,
            model,
            tools: [getWeather],
            store,
          });
          try {
            const turn = await conversation.send(PROMPT);
            if (turn.steps < 2) throw new Error('createConversation answered without the tool');
          } finally {
            await conversation.close();
          }
        };
      // One conversation per concurrent worker, reset after every turn.
      const pool = Array.from({ length: CONCURRENCY }, () =>
        createConversation({ client, model, tools: [getWeather], store: new DiscardStore() }),
      );
      const reused: Contender = async () => {
        const conversation = pool.pop()!;
        try {
          await conversation.send(PROMPT);
          conversation.reset();
        } finally {
          pool.push(conversation);
        }
      };

      const BARE = 'bare loop on the SDK (chat.complete, tool, complete)';
      const OURS = 'createConversation, FileStore (the default)';
      const EPHEMERAL = 'createConversation, store: false';
      const MINIMAL = 'minimal XState machine, same loop (nothing persisted)';
      const BARE_FILE = 'bare loop writing its history to a FileStore at every step';
      const BARE_SQLITE = 'bare loop writing its history to a SqliteStore at every step';
      const BARE_FAST = 'bare loop on the fast wire';
      const EPHEMERAL_FAST = 'createConversation, store: false, fast wire';
      const DRIVEN = 'the same machine without child actors (the loop makes the calls)';
      const MINIMAL_FAST = 'minimal XState machine on the fast wire';
      const DRIVEN_FAST = 'the machine without child actors on the fast wire';
      const fastMachine = minimalToolMachine(fastClient, apiTools);
      const samples = await alternateBlocks(ctx, {
        [BARE]: bare,
        [BARE_FAST]: bareLoop(undefined, fastClient),
        [BARE_FILE]: bareLoop(bareFileStore),
        [BARE_SQLITE]: bareLoop(bareSqliteStore),
        [MINIMAL]: minimal,
        [DRIVEN]: () => drivenTurn(client, apiTools),
        [MINIMAL_FAST]: () => minimalTurn(fastMachine),
        [DRIVEN_FAST]: () => drivenTurn(fastClient, apiTools),
        'Vercel AI SDK generateText + stopWhen': aiSdk,
        'LangChain bindTools + manual loop': langchain,
        [OURS]: ours(fileStore),
        'createConversation, a store that discards writes': ours(new DiscardStore()),
        [EPHEMERAL]: ours(false),
        [EPHEMERAL_FAST]: ours(false, fastClient),
        'createConversation, one per worker, reset()': reused,
        'LangGraph createReactAgent': langgraph,
      });
      for (const conversation of pool) await conversation.close();

      const base = samples[BARE]!;
      const ratios = Object.fromEntries(
        Object.entries(samples).map(([name, values]) => [name, medianRatio(values, base)]),
      );
      const oursRatio = ratios[OURS]!;
      const ephemeralRatio = ratios[EPHEMERAL]!;
      const ephemeralFastRatio = ratios[EPHEMERAL_FAST]!;
      return {
        name: 'agent-turn',
        title: this.title,
        measurements: Object.entries(samples).map(([name, values]) =>
          measurement(name, 'client CPU per turn', 'ms', values),
        ),
        goals: [
          {
            name: 'createConversation with its default store / bare SDK loop, CPU per turn',
            target: '<= 1.15',
            actual: format(oursRatio),
            met: oursRatio <= 1.15,
          },
          {
            name: 'createConversation with store: false / bare SDK loop, CPU per turn',
            target: '<= 1.05',
            actual: format(ephemeralRatio),
            met: ephemeralRatio <= 1.05,
          },
          {
            name: 'createConversation with store: false on the fast wire / bare SDK loop, CPU per turn',
            target: '<= 0.6',
            actual: format(ephemeralFastRatio),
            met: ephemeralFastRatio <= 0.6,
          },
        ],
        notes: [
          `Ratios to the bare SDK loop (median of per-round ratios; median CPU per turn and IQR): ${Object.entries(
            samples,
          )
            .map(([name, values]) => {
              const [q1, q3] = iqr(values);
              return `${name} ${format(ratios[name]!)} (${format(median(values))} ms, IQR ${format(q1)}-${format(q3)})`;
            })
            .join('; ')}.`,
          'Client CPU only: the emulator runs in its own process. Each turn is a new conversation (one user message, a get_weather call, its result, the answer), except for the reset() contender.',
          `The floor of the design: the bare loop as a minimal XState machine (an actor per turn, a child actor per model call and per tool round, the history kept by assign, nothing persisted) costs ${format(ratios[MINIMAL]!)}x the bare loop; createConversation with store: false costs ${format(medianRatio(samples[EPHEMERAL]!, samples[MINIMAL]!))}x that machine. Without child actors (the machine only records the steps the loop takes) it costs ${format(ratios[DRIVEN]!)}x the bare loop: the least a design without an actor per call would cost.`,
          `The fast wire (createClient({ wire: 'fast' })): the bare loop on it costs ${format(ratios[BARE_FAST]!)}x the bare loop on the SDK, and createConversation with store: false on it ${format(ephemeralFastRatio)}x.`,
          `The floor of durability: the bare loop writing its history at every step (four compare-and-set writes per turn) costs ${format(ratios[BARE_FILE]!)}x the bare loop with a FileStore and ${format(ratios[BARE_SQLITE]!)}x with a SqliteStore.`,
        ],
      };
    } finally {
      await fileStore.close();
      await bareFileStore.close();
      await bareSqliteStore.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
