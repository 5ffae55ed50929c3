import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createConversation, defineTool, type Turn } from '../src/index.js';

const model = 'mistral-large-latest';
const PROMPT = 'Call get_weather and get_time for "Paris".';

const tools = () => [
  defineTool({
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => ({ city, celsius: 18 }),
  }),
  defineTool({
    name: 'get_time',
    description: 'Local time in a city',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => ({ city, time: '12:00' }),
  }),
];

/** A turn without what differs from run to run: tool call ids (a counter of the emulator's), durations. */
const stable = (turn: Turn) => ({
  ...turn,
  toolResults: turn.toolResults.map(({ callId: _id, durationMs: _ms, ...rest }) => rest),
});

describe('createConversation over createClient({ wire: "fast" })', () => {
  let emulator: Emulator;
  let agentId: string;
  beforeAll(async () => {
    emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
    const client = createClient({ serverURL: emulator.url, env: {} });
    agentId = (await client.beta.agents.create({ model, name: 'Weather' })).id;
  });
  afterAll(async () => {
    await emulator.close();
  });

  it.each([
    [false, 'model', 'client'],
    [true, 'model', 'client'],
    [false, 'agentId', 'client'],
    [true, 'agentId', 'client'],
    [false, 'model', 'server'],
    [true, 'model', 'server'],
    [false, 'agentId', 'server'],
    [true, 'agentId', 'server'],
  ] as const)(
    'runs the same turn with tool calls as over the SDK wire (streaming: %s, %s, %s mode)',
    async (streaming, target, mode) => {
      const turns = [];
      for (const wire of ['sdk', 'fast'] as const) {
        const client = createClient({ serverURL: emulator.url, env: {}, wire });
        const conversation = createConversation({
          client,
          ...(target === 'model' ? { model } : { agentId }),
          tools: tools(),
          store: new MemoryStore(),
          streaming,
          mode,
        });
        try {
          turns.push(stable(await conversation.send(PROMPT)));
        } finally {
          await conversation.close();
        }
      }
      const [sdk, fast] = turns;
      // The emulator answers an agent's stored conversation with the agent's own tools (here
      // none), not the request's: one step, without tool calls.
      expect(sdk?.steps).toBe(target === 'agentId' && mode === 'server' ? 1 : 2);
      expect(fast).toStrictEqual(sdk);
    },
  );
});
