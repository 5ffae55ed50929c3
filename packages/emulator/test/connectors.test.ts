import type {
  Connector,
  ConversationEvents,
  FunctionCallEntry,
  MCPConnector,
} from '@mistralai/mistralai/models/components';
import { HTTPValidationError, SDKError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './support/test-emulator.js';

/** The connector as an MCP connector (the only kind the public API creates). */
function mcp(connector: Connector): MCPConnector {
  expect(connector.protocol).toBe('mcp');
  return connector as MCPConnector;
}

describe('beta connectors', () => {
  it('creates (201), gets by id or name, lists, updates and deletes connectors', async () => {
    const { client, emulator, checkResponses } = await startTestEmulator();
    const created = mcp(
      await client.beta.connectors.create({
        protocol: 'mcp',
        name: 'issue-tracker',
        description: 'Our issues',
        server: 'https://mcp.example.com/sse',
        title: 'Issue tracker',
      }),
    );
    expect(created).toMatchObject({
      protocol: 'mcp',
      name: 'issue-tracker',
      title: 'Issue tracker',
      description: 'Our issues',
      server: 'https://mcp.example.com/sse',
      visibility: 'private',
      ownerType: 'user',
      privateToolExecution: false,
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.tools?.map((t) => t.name)).toEqual(['issue-tracker']);

    expect(await client.beta.connectors.get({ connectorIdOrName: created.id })).toEqual(created);
    expect(await client.beta.connectors.get({ connectorIdOrName: 'issue-tracker' })).toEqual(
      created,
    );

    const second = mcp(
      await client.beta.connectors.create({
        protocol: 'mcp',
        name: 'wiki',
        description: 'The wiki',
        server: 'https://wiki.example.com/mcp',
      }),
    );
    const page1 = await client.beta.connectors.list({ pageSize: 1 });
    expect(page1.items.map((c) => mcp(c).name)).toEqual(['wiki']);
    expect(page1.pagination.nextCursor).toBeTruthy();
    const page2 = await client.beta.connectors.list({
      pageSize: 1,
      cursor: page1.pagination.nextCursor,
    });
    expect(page2.items.map((c) => mcp(c).name)).toEqual(['issue-tracker']);
    expect(page2.pagination.nextCursor ?? null).toBeNull();
    const inactive = await client.beta.connectors.list({ queryFilters: { active: false } });
    expect(inactive.items).toEqual([]);

    const updated = await client.beta.connectors.update({
      connectorId: second.id,
      requestBody: { protocol: 'mcp', description: 'The team wiki', title: 'Wiki' },
    });
    expect(updated).toMatchObject({ name: 'wiki', description: 'The team wiki', title: 'Wiki' });

    const deleted = await client.beta.connectors.delete({ connectorId: second.id });
    expect(deleted.message).toContain(second.id);
    const missing = await client.beta.connectors
      .get({ connectorIdOrName: second.id })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SDKError);
    expect((missing as SDKError).statusCode).toBe(404);
    expect(JSON.parse((missing as SDKError).body)).toMatchObject({
      object: 'error',
      code: 'not_found',
    });
    await emulator.reset();
    expect((await client.beta.connectors.list({})).items).toEqual([]);
    await checkResponses();
  });

  it('refuses bodies against the schema (422), a taken name (409) and ids that are not UUIDs (422)', async () => {
    const { client, url } = await startTestEmulator({ errorShape: 'fastapi' });
    const post = (body: unknown) =>
      fetch(`${url}/v1/connectors`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const missing = await post({ name: 'x', description: 'd' });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({
      detail: [{ type: 'missing', loc: ['body', 'server'] }],
    });
    const badName = await client.beta.connectors
      .create({
        protocol: 'mcp',
        name: 'no spaces!',
        description: 'd',
        server: 'https://a.example',
      })
      .catch((e: unknown) => e);
    expect((badName as HTTPValidationError).detail?.[0]).toMatchObject({
      type: 'string_pattern_mismatch',
      loc: ['body', 'name'],
    });
    const badServer = await client.beta.connectors
      .create({ protocol: 'mcp', name: 'ok', description: 'd', server: 'not a url' })
      .catch((e: unknown) => e);
    expect((badServer as HTTPValidationError).detail?.[0]).toMatchObject({
      type: 'url_parsing',
      loc: ['body', 'server'],
    });
    const wrongType = await post({
      name: 'ok',
      description: 'd',
      server: 'https://a.example',
      title: 3,
    });
    expect(wrongType.status).toBe(422);
    expect(await wrongType.json()).toMatchObject({ detail: [{ loc: ['body', 'title'] }] });

    await client.beta.connectors.create({
      protocol: 'mcp',
      name: 'taken',
      description: 'd',
      server: 'https://a.example',
    });
    const taken = await client.beta.connectors
      .create({ protocol: 'mcp', name: 'taken', description: 'd', server: 'https://b.example' })
      .catch((e: unknown) => e);
    expect((taken as SDKError).statusCode).toBe(409);
    expect(JSON.parse((taken as SDKError).body)).toMatchObject({ code: 'already_exists' });

    const notUuid = await client.beta.connectors
      .delete({ connectorId: 'taken' })
      .catch((e: unknown) => e);
    expect(notUuid).toBeInstanceOf(HTTPValidationError);
    expect((notUuid as HTTPValidationError).detail?.[0]).toMatchObject({
      type: 'uuid_parsing',
      loc: ['path', 'connector_id'],
    });
    const unknown = await client.beta.connectors
      .update({
        connectorId: '00000000-0000-4000-8000-000000000000',
        requestBody: { protocol: 'mcp', description: 'x' },
      })
      .catch((e: unknown) => e);
    expect((unknown as SDKError).statusCode).toBe(404);
  });
});

async function collect(stream: AsyncIterable<ConversationEvents>): Promise<ConversationEvents[]> {
  const events: ConversationEvents[] = [];
  for await (const event of stream) events.push(event);
  expect(events.filter((e) => 'isUnknown' in e.data)).toEqual([]);
  return events;
}

async function issueTracker({ client }: TestEmulator): Promise<MCPConnector> {
  return mcp(
    await client.beta.connectors.create({
      protocol: 'mcp',
      name: 'issue-tracker',
      title: 'Bug base',
      description: 'Our issues',
      server: 'https://mcp.example.com/sse',
    }),
  );
}

describe('connector tools', () => {
  it("runs a connector's tool when the user message names the connector (or its title)", async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    const connector = await issueTracker(emu);
    const agent = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Triage',
      tools: [{ type: 'connector', connectorId: connector.id }],
    });
    for (const prompt of ['Check the issue tracker for open bugs', 'Look in the bug base']) {
      const res = await client.beta.conversations.start({ agentId: agent.id, inputs: prompt });
      expect(
        res.outputs.map((o) => o.type),
        prompt,
      ).toEqual(['tool.execution', 'message.output']);
      expect(res.outputs[0]).toMatchObject({
        name: 'issue-tracker',
        arguments: JSON.stringify({ query: prompt }),
        info: { result: `the issue-tracker connector returned 3 results for "${prompt}"` },
      });
    }
    const plain = await client.beta.conversations.start({ agentId: agent.id, inputs: 'Hello' });
    expect(plain.outputs.map((o) => o.type)).toEqual(['message.output']);

    // By name too; `exclude` (or an `include` without it) hides the tool.
    const hidden = await client.beta.conversations.start({
      model: 'mistral-small-latest',
      tools: [
        {
          type: 'connector',
          connectorId: 'issue-tracker',
          toolConfiguration: { exclude: ['issue-tracker'] },
        },
      ],
      inputs: 'Check the issue tracker',
    });
    expect(hidden.outputs.map((o) => o.type)).toEqual(['message.output']);
    await emu.checkResponses();
  });

  it('holds a connector call for confirmation when requires_confirmation names its tool', async () => {
    const emu = await startTestEmulator();
    const { client } = emu;
    await issueTracker(emu);
    const agent = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Triage',
      tools: [
        {
          type: 'connector',
          connectorId: 'issue-tracker',
          toolConfiguration: { requiresConfirmation: ['issue-tracker'] },
        },
      ],
    });
    const started = await client.beta.conversations.start({
      agentId: agent.id,
      inputs: 'Check the issue tracker for open bugs',
    });
    const call = started.outputs[0] as FunctionCallEntry;
    expect(started.outputs).toHaveLength(1);
    expect(call).toMatchObject({ name: 'issue-tracker', confirmationStatus: 'pending' });
    const allowed = await client.beta.conversations.append({
      conversationId: started.conversationId,
      conversationAppendRequest: {
        toolConfirmations: [{ toolCallId: call.toolCallId, confirmation: 'allow' }],
      },
    });
    expect(allowed.outputs.map((o) => o.type)).toEqual(['tool.execution', 'message.output']);
    expect(allowed.outputs[0]).toMatchObject({ name: 'issue-tracker' });

    const events = await collect(
      await client.beta.conversations.startStream({
        agentId: agent.id,
        inputs: 'Check the issue tracker for open bugs',
      }),
    );
    expect(events.map((e) => e.event)).toEqual([
      'conversation.response.started',
      'function.call.delta',
      'conversation.response.done',
    ]);
    const delta = events[1]!.data as { toolCallId: string };
    expect(events[1]!.data).toMatchObject({
      name: 'issue-tracker',
      confirmationStatus: 'pending',
    });
    const continued = await collect(
      await client.beta.conversations.appendStream({
        conversationId: (events[0]!.data as { conversationId: string }).conversationId,
        conversationAppendStreamRequest: {
          toolConfirmations: [{ toolCallId: delta.toolCallId, confirmation: 'allow' }],
        },
      }),
    );
    expect(continued.map((e) => e.event)).toContain('tool.execution.done');
    expect(continued.map((e) => e.event)).toContain('message.output.delta');
    await emu.checkResponses();
  });
});
