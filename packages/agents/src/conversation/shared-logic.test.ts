import { MemoryStore } from '@mistral-flows/core';
import { Mistral } from '@mistralai/mistralai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../tools/define-tool.js';
import { createConversation } from './create-conversation.js';

const tool = (name: string) =>
  defineTool({
    name,
    description: `The ${name} tool`,
    parameters: z.object({ q: z.string() }),
    execute: ({ q }) => q,
  });

/** The machine an actor runs (`actor` is typed as a ref; at run time it is the Actor itself). */
const logicOf = (conversation: { actor: unknown }) =>
  (conversation.actor as { logic: unknown }).logic;

describe('createConversation machines', () => {
  it('share one provided machine for the same client, tools and limits, and no more', async () => {
    // No request is made: the conversations are created and closed without a turn.
    const client = new Mistral({ serverURL: 'http://127.0.0.1:9' });
    const other = new Mistral({ serverURL: 'http://127.0.0.1:9' });
    const search = tool('search');
    const store = new MemoryStore();
    const open = (options: Partial<Parameters<typeof createConversation>[0]> = {}) =>
      createConversation({ client, agentId: 'ag', store, tools: [search], ...options });

    const conversations = [
      open(),
      open(),
      open({ tools: [search, tool('lookup')] }),
      open({ tools: [tool('search')] }),
      open({ client: other }),
      open({ onToolExecute: () => undefined }),
    ];
    const [a, b, ...different] = conversations.map(logicOf);
    expect(a).toBe(b);
    for (const logic of different) expect(logic).not.toBe(a);
    expect(new Set(different).size).toBe(different.length);
    for (const conversation of conversations) await conversation.close();
  });
});
