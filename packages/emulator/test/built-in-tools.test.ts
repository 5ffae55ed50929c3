import type { ConversationEvents } from '@mistralai/mistralai/models/components';
import { describe, expect, it } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

async function collect(stream: AsyncIterable<ConversationEvents>): Promise<ConversationEvents[]> {
  const events: ConversationEvents[] = [];
  for await (const event of stream) events.push(event);
  expect(events.filter((e) => 'isUnknown' in e.data)).toEqual([]);
  return events;
}

const allBuiltIns = [
  { type: 'web_search' as const },
  { type: 'code_interpreter' as const },
  { type: 'image_generation' as const },
  { type: 'document_library' as const, libraryIds: ['lib_1'] },
];

describe('built-in tools', () => {
  it('runs the built-in tool the user message asks for, then answers quoting its output', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const agent = await client.beta.agents.create({
      model: 'mistral-medium-latest',
      name: 'Helper',
      tools: allBuiltIns,
    });
    expect(agent.tools?.map((t) => t.type)).toEqual([
      'web_search',
      'code_interpreter',
      'image_generation',
      'document_library',
    ]);
    const cases: [string, string, string][] = [
      ['Search the web for comet news', 'web_search', '3 web results were found for'],
      ['Calculate 17 times 23', 'code_interpreter', 'the code ran without errors for'],
      ['Draw a picture of a lighthouse', 'image_generation', 'an image was generated for'],
      [
        'What do our documents say about holidays?',
        'document_library',
        'the library has 3 documents about',
      ],
    ];
    for (const [prompt, tool, output] of cases) {
      const res = await client.beta.conversations.start({ agentId: agent.id, inputs: prompt });
      expect(
        res.outputs.map((o) => o.type),
        prompt,
      ).toEqual(['tool.execution', 'message.output']);
      const execution = res.outputs[0] as {
        name: string;
        arguments: string;
        info: Record<string, unknown>;
        agentId: string;
      };
      expect(execution.name).toBe(tool);
      expect(JSON.parse(execution.arguments)).toEqual({ query: prompt });
      expect(Object.keys(execution.info)).toEqual(['result']);
      expect(execution.info.result).toBe(`${output} "${prompt}"`);
      expect(execution.agentId).toBe(agent.id);
      const answer = res.outputs[1] as { content: string };
      expect(answer.content).toContain(output);
    }

    const plain = await client.beta.conversations.start({
      agentId: agent.id,
      inputs: 'Tell me a joke about bread',
    });
    expect(plain.outputs.map((o) => o.type)).toEqual(['message.output']);
    await checkResponses();
  });

  it('accepts built-in tools in a model conversation, web_search_premium included', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const res = await client.beta.conversations.start({
      model: 'mistral-small-latest',
      tools: [{ type: 'web_search_premium' }],
      inputs: 'What is the latest news about the comet?',
    });
    expect(res.outputs[0]).toMatchObject({ type: 'tool.execution', name: 'web_search_premium' });
    expect(res.outputs[1]).toMatchObject({ type: 'message.output' });
    const history = await client.beta.conversations.getHistory({
      conversationId: res.conversationId,
    });
    expect(history.entries.map((e) => e.type)).toEqual([
      'message.input',
      'tool.execution',
      'message.output',
    ]);
    await checkResponses();
  });

  it('streams tool.execution.started, .delta and .done (with the output) before the answer', async () => {
    const { client, checkResponses } = await startTestEmulator();
    const events = await collect(
      await client.beta.conversations.startStream({
        model: 'mistral-small-latest',
        tools: allBuiltIns,
        inputs: 'Run some python to compute the mean',
      }),
    );
    const types = events.map((e) => e.event);
    expect(types.slice(0, 4)).toEqual([
      'conversation.response.started',
      'tool.execution.started',
      'tool.execution.delta',
      'tool.execution.done',
    ]);
    expect(events[1]!.data).toMatchObject({ name: 'code_interpreter', outputIndex: 0 });
    expect(JSON.parse((events[2]!.data as { arguments: string }).arguments)).toEqual({
      query: 'Run some python to compute the mean',
    });
    expect(events[3]!.data).toMatchObject({
      name: 'code_interpreter',
      info: { result: 'the code ran without errors for "Run some python to compute the mean"' },
    });
    const deltas = events.filter((e) => e.event === 'message.output.delta');
    expect(deltas.length).toBeGreaterThan(0);
    for (const delta of deltas) expect(delta.data).toMatchObject({ outputIndex: 1 });
    expect(types[types.length - 1]).toBe('conversation.response.done');
    await checkResponses();
  });
});
