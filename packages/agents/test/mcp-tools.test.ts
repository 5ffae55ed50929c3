import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient, MemoryStore } from '@mistral-flows/core';
import { startEmulator, type Emulator, type ScenarioRule } from '@mistral-flows/emulator';
import { testWire, waitFor } from '@mistral-flows/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentsError, createConversation, type Conversation } from '../src/index.js';
import { mcpTools } from '../src/mcp/index.js';
// @ts-expect-error: a plain JavaScript fixture
import { buildServer, calls } from './fixtures/mcp-server.mjs';

const fixture = fileURLToPath(new URL('./fixtures/mcp-server.mjs', import.meta.url));
const model = 'mistral-large-latest';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  (calls as string[]).length = 0;
});

async function stdioClient(...args: string[]) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [fixture, ...args],
  });
  const client = new Client({ name: 'mistral-flows-test', version: '1.0.0' });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return { client, transport };
}

/** The fixture's tools behind streamable HTTP on 127.0.0.1 (stateless: one server per request). */
async function httpServer(): Promise<{ url: URL; server: Server }> {
  const server = createServer((req, res) => {
    const mcp = (
      buildServer as () => { connect(t: unknown): Promise<void>; close(): Promise<void> }
    )();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close().then(() => mcp.close()));
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}/mcp`), server };
}

async function httpClient(url: URL) {
  const client = new Client({ name: 'mistral-flows-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(url));
  cleanups.push(() => client.close());
  return client;
}

async function emulatorWith(scenarios: ScenarioRule[]) {
  const emulator: Emulator = await startEmulator({ scenarios });
  cleanups.push(() => emulator.close());
  return createClient({ serverURL: emulator.url, wire: testWire() });
}

function open(conversation: Conversation) {
  cleanups.push(() => conversation.close());
  return conversation;
}

async function rejection(promise: Promise<unknown>): Promise<AgentsError> {
  try {
    await promise;
  } catch (error) {
    if (AgentsError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('mcpTools', () => {
  it('offers an MCP server’s tools over stdio with their JSON schemas and model-safe names', async () => {
    const { client } = await stdioClient();
    const tools = await mcpTools(client, { prefix: 'fx_' });
    expect(tools.map((t) => t.name).sort()).toEqual([
      'fx_add',
      'fx_delete_file',
      'fx_read_file',
      'fx_wait',
    ]);
    const add = tools.find((t) => t.name === 'fx_add')!;
    expect(add.toApiTool()).toMatchObject({
      type: 'function',
      function: {
        name: 'fx_add',
        description: 'Add two numbers',
        parameters: { type: 'object', required: ['a', 'b'] },
      },
    });
    const signal = new AbortController().signal;
    expect(await add.execute({ a: 1, b: 2 }, { conversationId: 'c', callId: 'x', signal })).toBe(
      '3',
    );
    expect((await mcpTools(client, { include: ['add'] })).map((t) => t.name)).toEqual(['add']);
  });

  it('runs the calls of a conversation against the emulator: results, errors and bad arguments reach the model', async () => {
    const mistral = await emulatorWith([
      {
        match: { lastUserMessage: 'use the tools', step: 1 },
        toolCalls: [
          { name: 'add', arguments: { a: 2, b: 3 } },
          { name: 'read_file', arguments: { path: 'missing.txt' } },
          { name: 'add', arguments: { a: 'two' } },
        ],
      },
    ]);
    const client = await httpClient((await httpServer()).url);
    const chat = open(
      createConversation({
        client: mistral,
        model,
        tools: await mcpTools(client),
        store: new MemoryStore(),
      }),
    );
    const turn = await chat.send('use the tools');
    expect(turn.toolResults.map((r) => [r.name, r.ok, r.failure ?? null, r.content])).toEqual([
      ['add', true, null, '5'],
      ['read_file', false, 'threw', 'Error: "read_file" failed: no such file: missing.txt'],
      [
        'add',
        false,
        'invalid_arguments',
        'Error: invalid arguments for "add": b: is required; a: must be number. Fix them and call the tool again.',
      ],
    ]);
    // The call with invalid arguments never reached the server.
    expect(calls).toEqual(['add(2,3)', 'read.file(missing.txt)']);
    expect(turn.text.length).toBeGreaterThan(0);
  });

  it('waits for approval where the option says so, and a rejected call never reaches the server', async () => {
    const mistral = await emulatorWith([
      {
        match: { lastUserMessage: 'clean up', step: 1 },
        toolCalls: [
          { name: 'delete_file', arguments: { path: 'a.txt' } },
          { name: 'read_file', arguments: { path: 'README.md' } },
        ],
      },
    ]);
    const { url } = await httpServer();
    const client = await httpClient(url);
    const tools = await mcpTools(client, {
      needsApproval: (tool) => tool.annotations?.destructiveHint === true,
    });
    const chat = open(
      createConversation({ client: mistral, model, tools, store: new MemoryStore() }),
    );
    const turn = chat.send('clean up');
    await waitFor(() => chat.state() === 'awaitingApproval', { what: 'the approval request' });
    const waiting = chat.actor
      .getSnapshot()
      .context.pendingCalls.filter((c) => c.needsApproval && c.decision === undefined);
    expect(waiting.map((c) => c.name)).toEqual(['delete_file']);
    chat.reject(waiting[0]!.id, 'not today');
    const done = await turn;
    expect(done.toolResults.map((r) => [r.name, r.ok])).toEqual([['read_file', true]]);
    const rejected = chat.history().find((m) => m.role === 'tool' && m.name === 'delete_file');
    expect(rejected?.content).toContain('not today');
    expect(calls).toEqual(['read.file(README.md)']);
  });

  it('abandons a call at its timeout and cancels it on the server', async () => {
    const mistral = await emulatorWith([
      {
        match: { lastUserMessage: 'wait', step: 1 },
        toolCalls: [{ name: 'wait', arguments: {} }],
      },
    ]);
    const { url } = await httpServer();
    const client = await httpClient(url);
    const tools = await mcpTools(client, { timeoutMs: 100 });
    const chat = open(
      createConversation({ client: mistral, model, tools, store: new MemoryStore() }),
    );
    const turn = await chat.send('wait');
    expect(turn.toolResults[0]).toMatchObject({ name: 'wait', ok: false, failure: 'timeout' });
    expect(calls).toEqual(['wait()']);
  });

  it('rejects with mcp_tool_invalid for a tool whose schema is not a valid JSON schema', async () => {
    const { client } = await stdioClient('invalid-schema');
    const error = await rejection(mcpTools(client));
    expect(error.code).toBe('mcp_tool_invalid');
    expect(error.message).toContain('tool "broken" has an invalid input schema');
    expect(error.message).toContain('"fixture-invalid"');
  });

  it('rejects with mcp_tool_invalid for an included tool the server does not have', async () => {
    const { client } = await stdioClient();
    const error = await rejection(mcpTools(client, { include: ['add', 'nope'] }));
    expect(error).toMatchObject({ code: 'mcp_tool_invalid' });
    expect(error.message).toContain('no tool named "nope"');
  });

  it('rejects with mcp_unavailable when the server is gone (stdio process killed, HTTP server closed)', async () => {
    const { client, transport } = await stdioClient();
    process.kill(transport.pid!, 'SIGKILL');
    await waitFor(() => client.transport === undefined, { what: 'the stdio transport to close' });
    const stdioError = await rejection(mcpTools(client));
    expect(stdioError.code).toBe('mcp_unavailable');
    expect(stdioError.message).toContain('did not list its tools');

    const { url, server } = await httpServer();
    const http = await httpClient(url);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const httpError = await rejection(mcpTools(http, { listTimeoutMs: 2_000 }));
    expect(httpError.code).toBe('mcp_unavailable');
    expect(httpError.message).toContain('"fixture-tools"');
  });
});
