import { describe, expect, it } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

const lookupTool = {
  type: 'function' as const,
  function: {
    name: 'lookup_order',
    description: 'Look up an order by its id',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' } },
      required: ['order_id'],
    },
  },
};

describe('GET /v1/models', () => {
  it('lists base model cards and retrieves one by id or alias, 404 for an unknown one', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const list = await client.models.list();
    // A card the SDK cannot parse would arrive as { type: 'UNKNOWN' }.
    const cards = list.data!.map((m) => (m.type === 'base' ? m : undefined));
    expect(cards.every(Boolean)).toBe(true);
    expect(cards.map((m) => m?.id)).toContain('mistral-small-latest');
    const card = await client.models.retrieve({ modelId: 'mistral-small-2506' });
    if (card.type !== 'base') throw new Error(`unexpected card type ${card.type}`);
    expect(card.id).toBe('mistral-small-latest');
    expect(card.capabilities.completionChat).toBe(true);
    await expect(client.models.retrieve({ modelId: 'no-such-model' })).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await checkResponses()).toBe(2);
  });
});

describe('beta agents', () => {
  it('creates, gets, lists and deletes agents (204), then 404', async () => {
    const { client, emulator, checkResponses } = await startTestEmulator();
    const agent = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Support',
      instructions: 'Be brief.',
      tools: [lookupTool, { type: 'web_search' }],
      completionArgs: { temperature: 0.3 },
      metadata: { team: 'care' },
    });
    expect(agent.id).toMatch(/^ag_[0-9a-f]{32}$/);
    expect(agent).toMatchObject({
      version: 0,
      versions: [0],
      deploymentChat: false,
      source: 'api',
    });
    expect(agent.createdAt).toBeInstanceOf(Date);
    expect(agent.tools!.map((t) => t.type)).toEqual(['function', 'web_search']);
    await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Sales',
      description: 'Sells things',
    });

    expect((await client.beta.agents.get({ agentId: agent.id })).name).toBe('Support');
    const all = await client.beta.agents.list({});
    expect(all.map((a) => a.name)).toEqual(['Sales', 'Support']);
    expect(
      (await client.beta.agents.list({ metadata: { team: 'care' } })).map((a) => a.id),
    ).toEqual([agent.id]);
    expect((await client.beta.agents.list({ search: 'sells' })).map((a) => a.name)).toEqual([
      'Sales',
    ]);
    expect(await client.beta.agents.list({ page: 1, pageSize: 1 })).toHaveLength(1);
    expect(emulator.stats().agents).toBe(2);

    await client.beta.agents.delete({ agentId: agent.id });
    await expect(client.beta.agents.get({ agentId: agent.id })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(client.beta.agents.delete({ agentId: agent.id })).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await checkResponses()).toBeGreaterThanOrEqual(7);
  });

  it('versions agents on update, switches versions and resolves aliases', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const agent = await client.beta.agents.create({
      model: 'mistral-small-latest',
      name: 'Writer',
    });
    const v1 = await client.beta.agents.update({
      agentId: agent.id,
      updateAgentRequest: { instructions: 'Write haiku.', versionMessage: 'haiku' },
    });
    expect(v1).toMatchObject({
      version: 1,
      versions: [0, 1],
      instructions: 'Write haiku.',
      name: 'Writer',
    });
    const v2 = await client.beta.agents.update({
      agentId: agent.id,
      updateAgentRequest: { model: 'mistral-large-latest' },
    });
    expect(v2).toMatchObject({
      version: 2,
      versions: [0, 1, 2],
      model: 'mistral-large-latest',
      instructions: 'Write haiku.',
    });

    const versions = await client.beta.agents.listVersions({ agentId: agent.id });
    expect(versions.map((v) => v.version)).toEqual([2, 1, 0]);
    expect(
      (await client.beta.agents.getVersion({ agentId: agent.id, version: '0' })).instructions,
    ).toBeNull();

    const switched = await client.beta.agents.updateVersion({ agentId: agent.id, version: 1 });
    expect(switched.version).toBe(1);
    expect((await client.beta.agents.get({ agentId: agent.id })).version).toBe(1);

    const alias = await client.beta.agents.createVersionAlias({
      agentId: agent.id,
      alias: 'prod',
      version: 2,
    });
    expect(alias).toMatchObject({ alias: 'prod', version: 2 });
    expect((await client.beta.agents.get({ agentId: agent.id, agentVersion: 'prod' })).model).toBe(
      'mistral-large-latest',
    );
    expect(
      (await client.beta.agents.getVersion({ agentId: agent.id, version: 'prod' })).version,
    ).toBe(2);
    expect(await client.beta.agents.listVersionAliases({ agentId: agent.id })).toHaveLength(1);
    await client.beta.agents.deleteVersionAlias({ agentId: agent.id, alias: 'prod' });
    expect(await client.beta.agents.listVersionAliases({ agentId: agent.id })).toHaveLength(0);
    await expect(
      client.beta.agents.updateVersion({ agentId: agent.id, version: 9 }),
    ).rejects.toMatchObject({
      statusCode: 404,
    });
    await checkResponses();
  });

  it('pages agents with a cursor', async () => {
    const { client } = await startTestEmulator();
    for (const name of ['a', 'b', 'c'])
      await client.beta.agents.create({ model: 'mistral-small-latest', name });
    const seen: string[] = [];
    for await (const page of await client.beta.agents.listPages({ pageSize: 2 })) {
      seen.push(...page.result.data.map((a) => a.name));
    }
    expect(seen).toEqual(['c', 'b', 'a']);
  });

  it('rejects an invalid agent body with a 422 detail list', async () => {
    const { url } = await startTestEmulator();
    const res = await fetch(`${url}/v1/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', colour: 'blue' }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { message: { detail: { type: string; loc: unknown[] }[] } };
    expect(body.message.detail.map((d) => [d.type, d.loc])).toEqual([
      ['missing', ['body', 'model']],
      ['extra_forbidden', ['body', 'colour']],
    ]);
  });
});

describe('POST /v1/agents/completions', () => {
  it("uses the agent's model, instructions and tools, streamed or not", async () => {
    const { client, checkResponses } = await startTestEmulator();
    const agent = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Orders',
      instructions: 'Help with orders.',
      tools: [lookupTool],
    });
    const res = await client.agents.complete({
      agentId: agent.id,
      messages: [{ role: 'user', content: 'Please lookup_order "A-42"' }],
    });
    expect(res.model).toBe('mistral-medium-latest');
    const call = res.choices[0]!.message!.toolCalls![0]!;
    expect(call.function.name).toBe('lookup_order');
    expect(JSON.parse(call.function.arguments as string)).toEqual({ order_id: 'A-42' });

    const stream = await client.agents.stream({
      agentId: agent.id,
      messages: [{ role: 'user', content: 'Tell me about shipping delays' }],
    });
    let text = '';
    for await (const event of stream)
      text += (event.data.choices[0]?.delta.content as string | undefined) ?? '';
    expect(text.toLowerCase()).toMatch(/shipping|delays/);
    await checkResponses();
  });

  it('returns 404 for an unknown agent', async () => {
    const { client } = await startTestEmulator();
    await expect(
      client.agents.complete({
        agentId: 'ag_missing',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({ statusCode: 404 });
  });
});
