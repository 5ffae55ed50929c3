import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import type { AgentsCompletionRequest } from '@mistralai/mistralai/models/components';
import * as sdkErrors from '@mistralai/mistralai/models/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentsRequestBody } from '../src/client/fast-chat-request.js';
import { createClient, type CreateClientOptions } from '../src/index.js';
import { testServers } from './http-server.js';
import { describeWireCases, everySharedField, tools } from './wire-cases.js';
import { agentsEndpoint, compareWires, errorOf, valueOf } from './wire-comparison.js';

const apiKey = 'fast-wire-agents-key';
const { expectSame, expectSameStream } = compareWires(agentsEndpoint);

/** Creates an agent through the SDK on the server at `on` and returns its id. */
async function createAgent(on: CreateClientOptions, withTools = false): Promise<string> {
  const agent = await createClient({ env: {}, ...on }).beta.agents.create({
    model: 'mistral-small-latest',
    name: 'Weather desk',
    instructions: 'Answer about the weather.',
    ...(withTools ? { tools } : {}),
  });
  return agent.id;
}
const asking =
  (agentId: string) =>
  (content: string): AgentsCompletionRequest => ({
    agentId,
    messages: [{ role: 'user', content }],
  });

describeWireCases({
  name: 'agents',
  endpoint: agentsEndpoint,
  path: '/v1/agents/completions',
  prepare: async (on) => ({
    ask: asking(await createAgent(on)),
    askWithTools: asking(await createAgent(on, true)),
  }),
});

describe('agents.complete and agents.stream on the fast wire, for agents only', () => {
  let emulator: Emulator;
  let on: CreateClientOptions;
  let ask: (content: string) => AgentsCompletionRequest;
  beforeAll(async () => {
    emulator = await startEmulator({ apiKey });
    on = { serverURL: emulator.url, apiKey };
    ask = asking(await createAgent(on));
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("returns the same tool call with the request's tools, for an agent without any", async () => {
    const res = valueOf(
      await expectSame(on, { ...ask('Use get_weather for "Paris"'), tools, toolChoice: 'auto' }),
    );
    expect(res.choices[0]?.message?.toolCalls).toHaveLength(1);
  });

  it('throws the same 404 for an unknown agent, called or streamed', async () => {
    const request = asking('ag_missing')('hi');
    expect(errorOf(await expectSame(on, request))).toMatchObject({ statusCode: 404 });
    expect((await expectSameStream(on, request)).error).toMatchObject({ statusCode: 404 });
  });

  it('goes through the SDK for what it does not handle, with the same outcome', async () => {
    const agentId = ask('hi').agentId;
    const chunks: AgentsCompletionRequest = {
      agentId,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe the moon' }] }],
    };
    expect(agentsRequestBody(chunks)).toBeUndefined();
    valueOf(await expectSame(on, chunks, undefined, false));
    const withModel = { ...ask('hi'), model: 'mistral-small-latest' } as AgentsCompletionRequest;
    expect(agentsRequestBody(withModel)).toBeUndefined();
    valueOf(await expectSame(on, withModel, undefined, false));
    const invalid = { agentId, messages: [{ role: 'user', content: 3 }] } as never;
    expect(agentsRequestBody(invalid)).toBeUndefined();
    const error = errorOf(await expectSame(on, invalid, undefined, false));
    expect(error).toBeInstanceOf(sdkErrors.SDKValidationError);
    valueOf(await expectSame(on, ask('hi'), () => ({ retries: { strategy: 'none' } })));
  });
});

describe('agents.complete on the fast wire, against exact answers', () => {
  const servers = testServers(apiKey);
  const { answering } = servers;
  const ask: AgentsCompletionRequest = {
    agentId: 'ag_1',
    messages: [{ role: 'user', content: 'hi' }],
  };

  it('sends the same bytes and headers as the SDK, agent_id last', async () => {
    const bodies: string[] = [];
    const server = await servers.start((_req, res, body) => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'cmpl-1',
          object: 'chat.completion',
          model: 'mistral-small-latest',
          created: 1750000000,
          usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
          choices: [{ index: 0, finish_reason: 'stop', message: { content: 'ok' } }],
        }),
      );
    });
    const on = { serverURL: `${server.url}/prefix`, apiKey };
    const request: AgentsCompletionRequest = {
      agentId: 'ag_1',
      ...everySharedField,
      responseFormat: { type: 'json_object' },
    };
    valueOf(await expectSame(on, request));
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
    const fastClient = createClient({ env: {}, ...on, wire: 'fast' });
    expect(Object.hasOwn(fastClient.agents, 'complete')).toBe(true);
    expect(Object.hasOwn(fastClient.agents, 'stream')).toBe(true);
    expect(Object.hasOwn(createClient({ env: {}, ...on }).agents, 'complete')).toBe(false);
    const [sdk, fast] = servers.requests;
    expect(fast?.url).toBe('/prefix/v1/agents/completions');
    expect(fast?.headers).toStrictEqual(sdk?.headers);
    const body = agentsRequestBody(request);
    expect(Object.keys(body ?? {}).at(-1)).toBe('agent_id');
    expect(body).not.toHaveProperty('model');
  });

  it('throws the same error for malformed JSON, on a 200 and on a 422', async () => {
    const ok = errorOf(await expectSame(await answering(200, '{"id": '), ask));
    expect(ok).toBeInstanceOf(SyntaxError);
    await servers.close();
    const invalid = errorOf(await expectSame(await answering(422, 'not json'), ask));
    expect(invalid).toBeInstanceOf(SyntaxError);
  });
});
