import type { Mistral } from '@mistralai/mistralai';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';
/** Names that reach `Object.prototype` or its members when used as keys of a plain object. */
const hostile = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * Records the own properties of `Object.prototype` and, when the test ends, checks that none was
 * added or changed, then removes any that was (so that a failure does not spill into later tests).
 */
function guardObjectPrototype(): () => void {
  const before = new Map(
    Object.getOwnPropertyNames(Object.prototype).map((name) => [
      name,
      Object.getOwnPropertyDescriptor(Object.prototype, name),
    ]),
  );
  const added = () => Object.getOwnPropertyNames(Object.prototype).filter((n) => !before.has(n));
  onTestFinished(() => {
    for (const name of added()) delete (Object.prototype as Record<string, unknown>)[name];
  });
  return () => {
    expect(added(), 'properties added to Object.prototype').toEqual([]);
    for (const [name, descriptor] of before) {
      expect(Object.getOwnPropertyDescriptor(Object.prototype, name)).toEqual(descriptor);
    }
    expect(({} as Record<string, unknown>).max_tokens).toBeUndefined();
  };
}

/** A later plain completion, from another client, is a normal answer. */
async function expectPlainCompletion(client: Mistral): Promise<void> {
  const res = await client.chat.complete({
    model,
    messages: [{ role: 'user', content: 'Tell me a story about dragons and castles' }],
  });
  expect(res.choices[0]!.finishReason).toBe('stop');
  expect(res.usage.completionTokens).toBeGreaterThan(10);
}

async function send(url: string, method: string, path: string, body?: string) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** JSON with sorted keys, so that objects holding `__proto__` as an own key compare as text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const entries = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

const inlineJob = (metadata: string) =>
  `{"endpoint":"/v1/chat/completions","model":"${model}","requests":[{"custom_id":"1","body":{"messages":[{"role":"user","content":"Hi"}]}}],"metadata":${metadata}}`;

describe('keys taken from requests', () => {
  it('counts batch metadata named like Object.prototype members in stats, and lists jobs by it', async () => {
    const untouched = guardObjectPrototype();
    const { url, client, emulator } = await startTestEmulator();
    for (const name of hostile) {
      const created = await send(
        url,
        'POST',
        '/v1/batch/jobs',
        inlineJob(`{"${name}":"max_tokens"}`),
      );
      expect(created.status, created.text).toBe(200);
      const tagged = await send(url, 'POST', '/v1/batch/jobs', inlineJob(`{"tag":"${name}"}`));
      expect(tagged.status, tagged.text).toBe(200);
    }
    untouched();
    await expectPlainCompletion(client);

    const expected = canonical(
      JSON.parse(
        '{"__proto__":{"max_tokens":1},"constructor":{"max_tokens":1},"prototype":{"max_tokens":1},' +
          '"tag":{"__proto__":1,"constructor":1,"prototype":1}}',
      ),
    );
    const overHttp = await send(url, 'GET', '/_emulator/stats');
    expect(canonical((overHttp.json as { jobsByMetadata: unknown }).jobsByMetadata)).toBe(expected);
    const local = emulator.stats();
    expect(canonical(local.jobsByMetadata)).toBe(expected);
    expect(Object.hasOwn(local.jobsByMetadata, '__proto__')).toBe(true);
    expect(local.jobsCreated).toBe(6);

    // Every metadata key is its own query parameter (what the SDK sends), or one JSON parameter.
    for (const name of hostile) {
      const byKey = await send(url, 'GET', `/v1/batch/jobs?${name}=max_tokens`);
      expect((byKey.json as { total: number }).total, `?${name}=max_tokens`).toBe(1);
      const byJson = await send(
        url,
        'GET',
        `/v1/batch/jobs?metadata=${encodeURIComponent(`{"${name}":"max_tokens"}`)}`,
      );
      expect((byJson.json as { total: number }).total, `metadata {${name}}`).toBe(1);
      const listed = await client.batch.jobs.list({ metadata: { tag: name } });
      expect(listed.total).toBe(1);
    }
    untouched();
  });

  it('filters agents and conversations by their own metadata keys only', async () => {
    const untouched = guardObjectPrototype();
    const { url, client } = await startTestEmulator();
    await client.beta.agents.create({ model, name: 'plain', metadata: { topic: 'x' } });
    await client.beta.conversations.start({ model, inputs: 'Hello', metadata: { topic: 'x' } });
    for (const name of hostile) {
      const agent = await send(
        url,
        'POST',
        '/v1/agents',
        `{"model":"${model}","name":"${name}","metadata":{"${name}":{"max_tokens":1}}}`,
      );
      expect(agent.status, agent.text).toBe(200);
      expect(canonical((agent.json as { metadata: unknown }).metadata)).toBe(
        `{"${name}":{"max_tokens":1}}`,
      );
      const conversation = await send(
        url,
        'POST',
        '/v1/conversations',
        `{"model":"${model}","inputs":"Hello","metadata":{"${name}":{"max_tokens":1}}}`,
      );
      expect(conversation.status, conversation.text).toBe(200);
    }
    untouched();
    for (const path of ['/v1/agents', '/v1/conversations']) {
      for (const name of hostile) {
        // `{}` is what an inherited `Object.prototype` serialises to: it must not match.
        const empty = await send(
          url,
          'GET',
          `${path}?metadata=${encodeURIComponent(`{"${name}":{}}`)}`,
        );
        expect(empty.json, `${path} metadata {${name}: {}}`).toEqual([]);
        const own = await send(
          url,
          'GET',
          `${path}?metadata=${encodeURIComponent(`{"${name}":{"max_tokens":1}}`)}`,
        );
        expect((own.json as unknown[]).length, `${path} metadata {${name}: ...}`).toBe(1);
      }
    }
    untouched();
    await expectPlainCompletion(client);
  });

  it('refuses body fields, tool types and roles named like Object.prototype members as it refuses any unknown one', async () => {
    const untouched = guardObjectPrototype();
    const { url, client } = await startTestEmulator();
    for (const name of hostile) {
      const extra = await send(
        url,
        'POST',
        '/v1/chat/completions',
        `{"model":"${model}","messages":[{"role":"user","content":"Hi"}],"${name}":{"max_tokens":1}}`,
      );
      expect(extra.status, extra.text).toBe(422);
      expect(extra.json).toMatchObject({
        message: { detail: [{ type: 'extra_forbidden', loc: ['body', name] }] },
      });
      const role = await send(
        url,
        'POST',
        '/v1/chat/completions',
        `{"model":"${model}","messages":[{"role":"${name}","content":"Hi"}]}`,
      );
      expect(role.status, role.text).toBe(422);
      expect(role.json).toMatchObject({ message: { detail: [{ type: 'union_tag_invalid' }] } });
      const tool = await send(
        url,
        'POST',
        '/v1/conversations',
        `{"model":"${model}","inputs":"Search the web","tools":[{"type":"${name}"}]}`,
      );
      expect(tool.status, tool.text).toBe(422);
      expect(tool.json).toMatchObject({ message: { detail: [{ type: 'union_tag_invalid' }] } });
    }
    untouched();
    await expectPlainCompletion(client);
  });

  it('treats tool names, schema properties, aliases, file names and request keys named like Object.prototype members as plain names', async () => {
    const untouched = guardObjectPrototype();
    const { url, client } = await startTestEmulator();
    const properties = Object.fromEntries(hostile.map((name) => [name, { type: 'string' }]));
    const parameters = { type: 'object', properties, required: [...hostile] };
    // Sent as text: an object literal with a `__proto__` key would set the prototype instead.
    const tools = JSON.stringify(
      hostile.map((name) => ({ type: 'function', function: { name, parameters } })),
    ).replaceAll('"properties":{', '"properties":{"__proto__":{"type":"string"},');
    const called = await send(
      url,
      'POST',
      '/v1/chat/completions',
      `{"model":"${model}","messages":[{"role":"user","content":"Use constructor for \\"Paris\\""}],"tools":${tools}}`,
    );
    expect(called.status, called.text).toBe(200);
    const calls = (
      called.json as {
        choices: { message: { tool_calls: { function: { name: string; arguments: string } }[] } }[];
      }
    ).choices[0]!.message.tool_calls;
    expect(calls.map((c) => c.function.name)).toEqual(['constructor']);
    expect(Object.keys(JSON.parse(calls[0]!.function.arguments) as object).sort()).toEqual(
      [...hostile].sort(),
    );

    const agent = await client.beta.agents.create({ model, name: 'aliased' });
    await client.beta.agents.update({ agentId: agent.id, updateAgentRequest: { name: 'v1' } });
    for (const alias of ['constructor', 'prototype']) {
      const put = await send(url, 'PUT', `/v1/agents/${agent.id}/aliases?alias=${alias}&version=0`);
      expect(put.status, put.text).toBe(200);
      const version = await client.beta.agents.getVersion({ agentId: agent.id, version: alias });
      expect(version.version).toBe(0);
    }
    const unknown = await send(url, 'GET', `/v1/agents/${agent.id}/versions/toString`);
    expect(unknown.status).toBe(404);

    const form = new FormData();
    form.append('file', new Blob(['hello']), 'notes.constructor');
    const uploaded = await fetch(`${url}/v1/files`, { method: 'POST', body: form });
    expect(uploaded.status).toBe(200);
    const file = (await uploaded.json()) as { id: string };
    const retrieved = await send(url, 'GET', `/v1/files/${file.id}`);
    expect(Object.hasOwn(retrieved.json as object, 'mimetype')).toBe(true);
    expect((retrieved.json as { mimetype: unknown }).mimetype).toBeNull();

    for (const key of hostile) {
      const headers = {
        'x-emulator-fault': '503',
        'x-emulator-fault-times': '1',
        'x-emulator-request-key': key,
      };
      const messages = [{ role: 'user' as const, content: 'Hi' }];
      await expect(
        client.chat.complete({ model, messages }, { headers, retries: { strategy: 'none' } }),
      ).rejects.toMatchObject({ statusCode: 503 });
      const retried = await client.chat.complete({ model, messages }, { headers });
      expect(retried.choices).toHaveLength(1);
    }
    untouched();
    await expectPlainCompletion(client);
  });

  it('keeps connectors named like Object.prototype members, and confirmations naming them, as plain names', async () => {
    const untouched = guardObjectPrototype();
    const { url } = await startTestEmulator();
    for (const name of hostile) {
      const created = await send(
        url,
        'POST',
        '/v1/connectors',
        JSON.stringify({ name, description: 'd', server: 'https://mcp.example.com' }),
      );
      expect(created.status, created.text).toBe(201);
      const got = await send(url, 'GET', `/v1/connectors/${name}`);
      expect(got.json).toMatchObject({ name });
    }
    const unknown = await send(url, 'GET', '/v1/connectors/toString');
    expect(unknown.status).toBe(404);
    const started = await send(
      url,
      'POST',
      '/v1/conversations',
      JSON.stringify({
        model,
        inputs: 'ask the constructor connector',
        tools: [
          {
            type: 'connector',
            connector_id: 'constructor',
            tool_configuration: { requires_confirmation: ['constructor'] },
          },
        ],
      }),
    );
    expect(started.status, started.text).toBe(200);
    const { conversation_id: id, outputs } = started.json as {
      conversation_id: string;
      outputs: { name: string; confirmation_status: string }[];
    };
    expect(outputs[0]).toMatchObject({ name: 'constructor', confirmation_status: 'pending' });
    for (const key of hostile) {
      const confirmed = await send(
        url,
        'POST',
        `/v1/conversations/${id}`,
        JSON.stringify({ tool_confirmations: [{ tool_call_id: key, confirmation: 'allow' }] }),
      );
      expect(confirmed.status, confirmed.text).toBe(404);
    }
    untouched();
  });
});
