import { JsonText, redactString } from '@mistral-flows/core';
import type { Snapshot } from 'xstate';
import type { ConversationActor } from '../machine/conversation-machine.js';
import type { ConversationMessage } from '../machine/types.js';

/** What a conversation writes to its store after every settled step. */
export interface PersistedConversation {
  /**
   * 2 since the context keeps `config` and `current` (format 1 had their fields at the top level;
   * `resumeConversation` still reads it).
   */
  format: 1 | 2;
  id: string;
  /**
   * `actor.getPersistedSnapshot()`: state, context (history included) and children, except that
   * the children's inputs are left out: they follow from the context and are rebuilt on resume.
   */
  snapshot: Snapshot<unknown>;
  /** The history at that step, for readers that do not restore the actor. */
  historyLength: number;
  updatedAt: string;
}

export const conversationKey = (id: string) => `conversation:${id}`;

const CONTEXT_START = '{"context":{';

/**
 * Serialises one conversation's `PersistedConversation` as JSON text, with its secrets redacted.
 * The history only grows between turns (every step appends to a new array that shares the old
 * messages), so the JSON of the messages already serialised is kept and only the new ones are
 * serialised: a step costs the size of what changed, not of the whole conversation.
 */
export class ConversationSerializer {
  private history: readonly ConversationMessage[] = [];
  private historyJson = '[]';

  constructor(private readonly id: string) {}

  serialize(actor: ConversationActor): JsonText {
    const snapshot = actor.getSnapshot();
    const { messages } = snapshot.context;
    // What `getPersistedSnapshot()` gives (a unit test holds the two equal), built directly: the
    // machine has no history states, its context no actor references, and the children's inputs
    // are left out.
    const children: Record<string, unknown> = {};
    for (const [childId, child] of Object.entries(snapshot.children)) {
      if (!child) continue;
      children[childId] = {
        snapshot: { ...(child.getPersistedSnapshot() as object), input: undefined },
        src: child.src,
        // The conversation's invokes have no systemId and no onSnapshot.
        syncSnapshot: false,
      };
    }
    // One serialisation with the context first and without its messages, whose kept JSON is then
    // spliced in right after `{"context":{`.
    const json = JSON.stringify({
      context: { ...snapshot.context, messages: undefined },
      status: snapshot.status,
      output: snapshot.output,
      error: snapshot.error,
      value: snapshot.value,
      historyValue: {},
      children,
    });
    const text =
      `{"format":2,"id":${JSON.stringify(this.id)},"historyLength":${messages.length},` +
      `"updatedAt":"${new Date().toISOString()}","snapshot":${CONTEXT_START}"messages":` +
      `${this.messagesJson(messages)},${json.slice(CONTEXT_START.length)}}`;
    return new JsonText(redactString(text));
  }

  private messagesJson(messages: readonly ConversationMessage[]): string {
    const known = this.history;
    let grows = messages.length >= known.length;
    for (let i = 0; grows && i < known.length; i++) grows = messages[i] === known[i];
    if (!grows) {
      this.historyJson = JSON.stringify(messages);
    } else if (messages.length > known.length) {
      const added = JSON.stringify(messages.slice(known.length));
      this.historyJson =
        known.length === 0 ? added : `${this.historyJson.slice(0, -1)},${added.slice(1)}`;
    }
    this.history = messages;
    return this.historyJson;
  }
}
