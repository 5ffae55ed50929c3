import {
  createClient,
  defaultStore,
  InvalidArgumentError,
  MemoryStore,
  type AgentEvents,
} from '@mistral-flows/core';
import { EventBus } from '@mistral-flows/stream';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { testWire, waitFor } from '@mistral-flows/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AgentsError,
  conversationKey,
  createConversation,
  defineTool,
  ensureAgent,
  resumeConversation,
  type Conversation,
  type ConversationOptions,
} from '../src/index.js';

const model = 'mistral-large-latest';
const fastBackoff = { initialDelayMs: 1, maxDelayMs: 5 };
const REVIEW =
  'Review this function:\n```\nfunction auth(pwd) { return pwd === "admin123"; }\n```\nUse search_codebase to find "auth(" call sites.';

let emulator: Emulator | undefined;
const conversations: Conversation[] = [];
afterEach(async () => {
  for (const c of conversations.splice(0)) await c.close();
  await emulator?.close();
  emulator = undefined;
});

async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  emulator = await startEmulator(options);
  return { emulator, client: createClient({ serverURL: emulator.url, wire: testWire() }) };
}

function open(options: ConversationOptions): Conversation {
  const conversation = createConversation({
    store: new MemoryStore(),
    backoff: fastBackoff,
    ...options,
  });
  conversations.push(conversation);
  return conversation;
}

const searchCodebase = (executions: string[] = []) =>
  defineTool({
    name: 'search_codebase',
    description: 'Search the codebase for patterns',
    parameters: z.object({ query: z.string() }),
    execute: ({ query }) => {
      executions.push(query);
      return { matches: [`src/login.ts:12: if (auth(input)) {`], query };
    },
  });

describe("the seed's Code Reviewer", () => {
  it('is created once by ensureAgent and completes a search_codebase round trip', async () => {
    const { client, emulator } = await setup();
    const spec = {
      name: 'Code Reviewer',
      model,
      instructions:
        'You are an expert code reviewer. Analyze code for security vulnerabilities, performance issues and best practice violations.',
      description: 'Reviews code for security, performance, and best practices',
      tools: [searchCodebase()],
    };
    const first = await ensureAgent(client, spec);
    const second = await ensureAgent(client, spec);
    expect(second.id).toBe(first.id);
    expect(second.version).toBe(first.version);
    expect(await client.beta.agents.list({ name: 'Code Reviewer' })).toHaveLength(1);
    expect(emulator.stats().requests['POST /v1/agents']).toBe(1);

    const changed = await ensureAgent(client, { ...spec, instructions: 'Be terse.' });
    expect(changed.id).toBe(first.id);
    expect(changed.version).toBe(first.version + 1);

    const executions: string[] = [];
    const reviewer = open({ client, agentId: first.id, tools: [searchCodebase(executions)] });
    const turn = await reviewer.send(REVIEW);
    expect(executions).toEqual(['auth(']);
    expect(turn.toolResults).toEqual([
      expect.objectContaining({ name: 'search_codebase', ok: true }),
    ]);
    expect(turn.text.length).toBeGreaterThan(0);
    expect(turn.steps).toBe(2);
    expect(turn.usage.totalTokens).toBeGreaterThan(0);
    expect(reviewer.history().map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
    ]);
    expect(reviewer.state()).toBe('idle');
    expect(emulator.stats().requests['POST /v1/agents/completions']).toBe(2);
  });
});

describe('createConversation', () => {
  it('runs parallel tool calls concurrently', async () => {
    const { client } = await setup();
    let started = 0;
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    const gate = async (name: string) => {
      if (++started === 2) release();
      await bothStarted;
      return `${name} done`;
    };
    const weather = defineTool({
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: z.object({ city: z.string() }),
      execute: () => gate('weather'),
    });
    const time = defineTool({
      name: 'get_time',
      description: 'Local time in a city',
      parameters: z.object({ city: z.string() }),
      execute: () => gate('time'),
    });
    const chat = open({ client, model, tools: [weather, time] });
    const turn = await chat.send('Call get_weather and get_time for "Paris".');
    expect(turn.toolResults.map((r) => r.name).sort()).toEqual(['get_time', 'get_weather']);
    expect(turn.steps).toBe(2);
    const assistant = chat.history()[1];
    expect(assistant?.role === 'assistant' && assistant.toolCalls?.length).toBe(2);
  });

  it('stops at the step limit and asks for a final answer without tools', async () => {
    const { client } = await setup({
      scenarios: [
        {
          match: { lastUserMessage: 'keep digging', step: 1 },
          toolCalls: [{ name: 'dig', arguments: { depth: 1 } }],
        },
        {
          match: { lastUserMessage: 'keep digging', step: 2 },
          toolCalls: [{ name: 'dig', arguments: { depth: 2 } }],
        },
        {
          match: { lastUserMessage: 'keep digging', step: 3 },
          toolCalls: [{ name: 'dig', arguments: { depth: 3 } }],
        },
        {
          match: { lastUserMessage: 'keep digging', step: 4 },
          text: 'Final answer from what was found.',
        },
      ],
    });
    const depths: number[] = [];
    const dig = defineTool({
      name: 'dig',
      description: 'Dig deeper',
      parameters: z.object({ depth: z.number() }),
      execute: ({ depth }) => depths.push(depth),
    });
    const chat = open({ client, model, tools: [dig], maxSteps: 2 });
    const turn = await chat.send('keep digging');
    expect(depths).toEqual([1, 2]);
    expect(turn).toMatchObject({
      stopReason: 'step_limit',
      text: 'Final answer from what was found.',
      steps: 4,
    });
    const skipped = chat
      .history()
      .filter((m) => m.role === 'tool')
      .at(-1);
    expect(skipped?.content).toMatch(/limit of 2 tool rounds/);
  });

  it('detects the same call twice in a row and stops the loop', async () => {
    const { client } = await setup({
      scenarios: [
        {
          match: { lastUserMessage: 'same again', step: 1 },
          toolCalls: [{ name: 'lookup', arguments: { id: 'A-1' } }],
        },
        {
          match: { lastUserMessage: 'same again', step: 2 },
          toolCalls: [{ name: 'lookup', arguments: { id: 'A-1' } }],
        },
        { match: { lastUserMessage: 'same again', step: 3 }, text: 'Order A-1 is shipped.' },
      ],
    });
    let runs = 0;
    const lookup = defineTool({
      name: 'lookup',
      description: 'Look up an order',
      parameters: z.object({ id: z.string() }),
      execute: () => ++runs,
    });
    const chat = open({ client, model, tools: [lookup] });
    const turn = await chat.send('same again');
    expect(runs).toBe(1);
    expect(turn).toMatchObject({ stopReason: 'repeated_tool_call', text: 'Order A-1 is shipped.' });
  });

  it('waits for approval, runs an approved call, and feeds a rejection back to the model', async () => {
    const { client } = await setup();
    const deleted: string[] = [];
    const deleteFile = defineTool({
      name: 'delete_file',
      description: 'Delete a file',
      parameters: z.object({ path: z.string() }),
      needsApproval: true,
      execute: ({ path }) => {
        deleted.push(path);
        return 'deleted';
      },
    });
    const chat = open({ client, model, tools: [deleteFile] });
    const approvals: string[] = [];
    chat.actor.on('approval-required', (e) => approvals.push(e.callId));

    const approved = chat.send('Use delete_file on "tmp/a.txt".');
    await waitFor(() => chat.state() === 'awaitingApproval', { what: 'the approval request' });
    expect(deleted).toEqual([]);
    chat.approve(approvals[0]!);
    const first = await approved;
    expect(deleted).toEqual(['tmp/a.txt']);
    expect(first.toolResults[0]).toMatchObject({ ok: true, content: 'deleted' });

    const rejected = chat.send('Use delete_file on "etc/passwd".');
    await waitFor(() => chat.state() === 'awaitingApproval', {
      what: 'the second approval request',
    });
    chat.reject(approvals[1]!, 'system file');
    const second = await rejected;
    expect(deleted).toEqual(['tmp/a.txt']);
    expect(second.toolResults).toEqual([]);
    const toolMessage = chat
      .history()
      .filter((m) => m.role === 'tool')
      .at(-1);
    expect(toolMessage?.content).toContain('rejected this call (system file)');
    expect(() => chat.approve('nope')).toThrow(AgentsError);
  });

  it('feeds invalid arguments back to the model instead of running the tool', async () => {
    const { client } = await setup({
      scenarios: [
        {
          match: { lastUserMessage: 'add them', step: 1 },
          toolCalls: [{ name: 'add', arguments: { a: 'one', b: 2 } }],
        },
      ],
    });
    let ran = false;
    const add = defineTool({
      name: 'add',
      description: 'Add two numbers',
      parameters: z.object({ a: z.number(), b: z.number() }),
      execute: ({ a, b }) => {
        ran = true;
        return a + b;
      },
    });
    const chat = open({ client, model, tools: [add] });
    const turn = await chat.send('add them');
    expect(ran).toBe(false);
    expect(turn.toolResults[0]).toMatchObject({ ok: false, failure: 'invalid_arguments' });
    const toolMessage = chat.history().find((m) => m.role === 'tool');
    expect(toolMessage?.content).toMatch(/invalid arguments for "add": a: /);
    expect(turn.text.length).toBeGreaterThan(0);
  });

  it('turns an unknown tool, a throwing tool and a timeout into messages for the model', async () => {
    const { client } = await setup({
      scenarios: [
        {
          match: { lastUserMessage: 'break things', step: 1 },
          toolCalls: [
            { name: 'nope', arguments: {} },
            { name: 'boom', arguments: {} },
            { name: 'slow', arguments: {} },
          ],
        },
      ],
    });
    const boom = defineTool({
      name: 'boom',
      description: 'Fails',
      parameters: z.object({}),
      execute: () => {
        throw new Error('kaput');
      },
    });
    const slow = defineTool({
      name: 'slow',
      description: 'Never ends',
      parameters: z.object({}),
      timeoutMs: 20,
      execute: () => new Promise(() => undefined),
    });
    const chat = open({ client, model, tools: [boom, slow] });
    const turn = await chat.send('break things');
    const byName = Object.fromEntries(turn.toolResults.map((r) => [r.name, r]));
    expect(byName.nope).toMatchObject({ ok: false, failure: 'unknown_tool' });
    expect(byName.boom).toMatchObject({
      ok: false,
      failure: 'threw',
      content: expect.stringContaining('kaput'),
    });
    expect(byName.slow).toMatchObject({ ok: false, failure: 'timeout' });
    expect(chat.state()).toBe('idle');
  });

  it('goes through retrying on a 429 and then succeeds', async () => {
    const { client, emulator } = await setup();
    const chat = open({
      client,
      model,
      streamOptions: {
        headers: {
          'x-emulator-fault': '429:0',
          'x-emulator-fault-times': '1',
          'x-emulator-request-key': 'conv-429',
        },
      },
    });
    const states: string[] = [];
    chat.actor.subscribe((s) => states.push(String(s.value)));
    const turn = await chat.send('Hello there.');
    expect(turn.text.length).toBeGreaterThan(0);
    expect(states).toContain('retrying');
    expect(states.indexOf('retrying')).toBeLessThan(states.lastIndexOf('responding'));
    expect(emulator.stats().faultsInjected['429']).toBe(1);
  });

  it('aborts the HTTP request on cancel mid-stream (the emulator sees it) and returns to idle', async () => {
    const { client, emulator } = await setup({ latency: { ttftMs: 0, tokenMs: 20 } });
    const chat = open({ client, model });
    const outcome = lastValueFrom(
      chat.stream('Write a long essay about the sea.').pipe(toArray()),
    ).catch((e: unknown) => e);
    await waitFor(() => chat.actor.getSnapshot().context.streamingText.length > 0, {
      what: 'the first delta',
    });
    chat.cancel();
    expect(AgentsError.isInstance(await outcome)).toBe(true);
    await waitFor(() => emulator.stats().abortedStreams === 1, { what: 'the aborted stream' });
    expect(chat.state()).toBe('idle');
  });

  it('fails after retries run out, then refuses new messages with a typed error until retry()', async () => {
    const { client } = await setup();
    const chat = open({
      client,
      model,
      maxRetries: 1,
      streamOptions: { headers: { 'x-emulator-fault': '500' } },
    });
    const error = await chat.send('Hello?').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'conversation_failed' });
    expect(chat.state()).toBe('failed');
    await expect(chat.send('Again?')).rejects.toMatchObject({ code: 'conversation_failed' });
    chat.reset();
    expect(chat.state()).toBe('idle');
  });

  it('streams a turn as events ending with turn-end', async () => {
    const { client } = await setup();
    const chat = open({ client, model, tools: [searchCodebase()] });
    const events = await lastValueFrom(
      chat.stream('Use search_codebase to find "TODO".').pipe(toArray()),
    );
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('turn-start');
    expect(types).toContain('tool-call');
    expect(types).toContain('tool-result');
    expect(types).toContain('text-delta');
    expect(types.at(-1)).toBe('turn-end');
  });

  it('works in server mode against the Conversations API', async () => {
    const { client, emulator } = await setup();
    const executions: string[] = [];
    const chat = open({ client, model, mode: 'server', tools: [searchCodebase(executions)] });
    const turn = await chat.send('Use search_codebase to find "password".');
    expect(executions).toEqual(['password']);
    expect(turn.text.length).toBeGreaterThan(0);
    const conversationId = chat.actor.getSnapshot().context.serverConversationId!;
    expect(conversationId).toMatch(/^conv_/);
    await chat.send('Thanks, and the summary?');
    const history = await client.beta.conversations.getHistory({ conversationId });
    expect(history.entries.map((e) => e.type)).toEqual([
      'message.input',
      'function.call',
      'function.result',
      'message.output',
      'message.input',
      'message.output',
    ]);
    expect(emulator.stats().requests['POST /v1/conversations']).toBe(1);
  });

  it('streams in server mode too, with the tool round trip', async () => {
    const { client, emulator } = await setup();
    const executions: string[] = [];
    const chat = open({ client, model, mode: 'server', tools: [searchCodebase(executions)] });
    const events = await lastValueFrom(
      chat.stream('Use search_codebase to find "token".').pipe(toArray()),
    );
    expect(executions).toEqual(['token']);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['tool-call', 'tool-result', 'text-delta', 'turn-end']),
    );
    expect(emulator.stats().completedStreams).toBe(2);
  });

  it('streams send() turns only when something watches: plain requests otherwise', async () => {
    const { client, emulator } = await setup();
    await open({ client, model }).send('Hello there.');
    expect(emulator.stats().completedStreams).toBe(0);
    const bus = new EventBus<AgentEvents>();
    await open({ client, model, bus }).send('Hello there.');
    expect(emulator.stats().completedStreams).toBe(1);
    await open({ client, model, streaming: true }).send('Hello there.');
    expect(emulator.stats().completedStreams).toBe(2);
    await lastValueFrom(open({ client, model, streaming: false }).stream('Hello there.'));
    expect(emulator.stats().completedStreams).toBe(2);
  });

  it('persists after every settled step and resumes from the store', async () => {
    const { client } = await setup();
    const store = new MemoryStore();
    const chat = open({ client, model, store, id: 'conv-persist', tools: [searchCodebase()] });
    await chat.send('Use search_codebase to find "login".');
    await chat.flush();
    const stored = await store.get<{ snapshot: { value: string } }>('conversation:conv-persist');
    expect(stored?.value.snapshot.value).toBe('idle');
    const resumed = await resumeConversation('conv-persist', {
      client,
      store,
      tools: [searchCodebase()],
    });
    conversations.push(resumed);
    expect(resumed.history()).toEqual(chat.history());
    await resumed.send('And the logout?');
    expect(resumed.history()).toHaveLength(chat.history().length + 2);
    await expect(resumeConversation('missing', { client, store })).rejects.toMatchObject({
      code: 'conversation_not_found',
    });
  });
});

describe('bad input', () => {
  it('gives typed errors for bad tools, options and messages', async () => {
    const { client } = await setup();
    expect(() =>
      defineTool({ name: '', description: 'x', parameters: z.object({}), execute: () => 1 }),
    ).toThrow(expect.objectContaining({ code: 'tool_invalid' }) as Error);
    expect(() =>
      defineTool({
        name: 'when',
        description: 'x',
        parameters: z.object({ at: z.date() }),
        execute: () => 1,
      }),
    ).toThrow(/cannot be converted to JSON schema/);
    expect(() =>
      defineTool({ name: 'str', description: 'x', parameters: z.string(), execute: () => 1 }),
    ).toThrow(/object schema/);
    const tool = searchCodebase();
    expect(() =>
      createConversation({ client, model, tools: [tool, tool], store: new MemoryStore() }),
    ).toThrow(expect.objectContaining({ code: 'tool_duplicate' }) as Error);
    const error = (() => {
      try {
        createConversation({ client, model, maxSteps: 0, store: new MemoryStore() });
      } catch (e) {
        return e;
      }
    })();
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as InvalidArgumentError).argument).toBe('maxSteps');
    expect(() => createConversation({ client, store: new MemoryStore() })).toThrow(
      /exactly one of agentId and model/,
    );
    const chat = open({ client, model });
    await expect(chat.send('  ')).rejects.toMatchObject({
      code: 'invalid_argument',
      argument: 'text',
    });
  });
});

describe('store: false', () => {
  it('runs the same turn with the same events, and keeps nothing anywhere', async () => {
    const { client } = await setup();
    const run = async (store: ConversationOptions['store']) => {
      const executions: string[] = [];
      const bus = new EventBus<AgentEvents>();
      const events: string[] = [];
      for (const type of [
        'agent:turn-start',
        'agent:tool-call',
        'agent:tool-result',
        'agent:turn-end',
      ] as const) {
        bus.on(type, () => events.push(type));
      }
      const conversation = createConversation({
        client,
        model,
        tools: [searchCodebase(executions)],
        backoff: fastBackoff,
        bus,
        store,
      });
      conversations.push(conversation);
      const turn = await conversation.send(REVIEW);
      await conversation.flush();
      return { id: conversation.id, turn, events, executions };
    };
    const kept = await run(new MemoryStore());
    const ephemeral = await run(false);

    expect(ephemeral.turn.text).toBe(kept.turn.text);
    expect(ephemeral.turn.steps).toBe(kept.turn.steps);
    expect(ephemeral.turn.toolResults.map((r) => r.name)).toEqual(['search_codebase']);
    expect(kept.events).toEqual([
      'agent:turn-start',
      'agent:tool-call',
      'agent:tool-result',
      'agent:turn-end',
    ]);
    expect(ephemeral.events).toEqual(kept.events);
    expect(ephemeral.executions).toEqual(['auth(']);
    // Not in the default store either.
    expect(await defaultStore().get(conversationKey(ephemeral.id))).toBeUndefined();
    await expect(
      resumeConversation(ephemeral.id, { client, store: defaultStore() }),
    ).rejects.toMatchObject({
      code: 'conversation_not_found',
    });
  });

  it('rejects a store that is neither a Store nor false', () => {
    const client = createClient({ serverURL: 'http://127.0.0.1:9', wire: testWire() });
    expect(() => createConversation({ client, model, store: true as unknown as false })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createConversation({ client, model, store: {} as unknown as false })).toThrow(
      /expected a Store, or false/,
    );
  });
});
