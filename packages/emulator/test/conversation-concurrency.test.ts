import { describe, expect, it } from 'vitest';
import { startTestEmulator } from './support/test-emulator.js';

const model = 'mistral-small-latest';

interface Entry {
  type?: string;
  id?: string;
  content?: unknown;
}

describe('conversation appends sent together', () => {
  it('keep all 50 user entries, each followed by its own answer, in the history', async () => {
    // Each turn takes 20 ms in the model, so that the 50 appends are all in their turn together.
    const { client, emulator, checkResponses } = await startTestEmulator({
      scenarios: [
        { match: { endpoint: 'conversations', lastUserMessage: '^Question' }, fault: 'slow:20' },
      ],
    });
    const started = await client.beta.conversations.start({ model, inputs: 'Start' });
    const conversationId = started.conversationId;
    const questions = Array.from({ length: 50 }, (_, i) => `Question ${i}`);
    const answers = await Promise.all(
      questions.map((inputs) =>
        client.beta.conversations.append({ conversationId, conversationAppendRequest: { inputs } }),
      ),
    );
    expect(emulator.stats().faultsInjected.slow).toBe(50);

    const { entries } = await client.beta.conversations.getHistory({ conversationId });
    const list = entries as Entry[];
    expect(list).toHaveLength(2 + 50 * 2);
    expect(list.map((e) => e.type)).toEqual(
      Array.from({ length: 51 }, () => ['message.input', 'message.output']).flat(),
    );
    const asked = list.filter((e) => e.type === 'message.input').map((e) => e.content);
    expect(asked.slice(1).sort()).toEqual([...questions].sort());
    answers.forEach((answer, i) => {
      const at = list.findIndex((e) => e.content === questions[i]);
      expect(list[at + 1]!.id, questions[i]).toBe((answer.outputs[0] as Entry).id);
    });
    await checkResponses();
  });
});
