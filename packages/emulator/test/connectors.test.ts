import type { Connector, MCPConnector } from '@mistralai/mistralai/models/components';
import { HTTPValidationError, SDKError } from '@mistralai/mistralai/models/errors';
import { describe, expect, it } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

/** The connector as an MCP connector (the only kind the public API creates). */
function mcp(connector: Connector): MCPConnector {
  expect(connector.protocol).toBe('mcp');
  return connector as MCPConnector;
}

describe('beta connectors', () => {
  it('creates (201), gets by id or name, lists, updates and deletes connectors', async () => {
    const { client, checkResponses } = await startTestEmulator();
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
