import { isoTime } from '../http/clock.js';
import { KeyedMutex } from './keyed-mutex.js';

type Json = Record<string, unknown>;

/** A stored conversation: how it was started and every entry so far. */
export interface StoredConversation {
  id: string;
  createdAt: number;
  updatedAt: number;
  model?: string;
  agentId?: string;
  agentVersion?: string | number | null;
  instructions: string | null;
  tools: Json[];
  completionArgs: Json;
  guardrails: Json[] | null;
  name: string | null;
  description: string | null;
  metadata: Json | null;
  entries: Json[];
}

/**
 * Conversations in memory, in creation order. `exclusive` runs the turns of one conversation one
 * after the other, so that concurrent appends each see the entries of the one before.
 */
export class ConversationStore {
  private readonly conversations = new Map<string, StoredConversation>();
  private readonly turns = new KeyedMutex();

  get size(): number {
    return this.conversations.size;
  }

  save(conversation: StoredConversation): void {
    this.conversations.set(conversation.id, conversation);
  }

  get(id: string): StoredConversation | undefined {
    return this.conversations.get(id);
  }

  list(): StoredConversation[] {
    return [...this.conversations.values()];
  }

  delete(id: string): boolean {
    return this.conversations.delete(id);
  }

  clear(): void {
    this.conversations.clear();
  }

  /** Runs `task` once every earlier task for conversation `id` has finished. */
  exclusive<T>(id: string, task: () => Promise<T>): Promise<T> {
    return this.turns.run(id, task);
  }

  /** Conversations with a turn running or waiting (0 when idle: no id is kept). */
  get busy(): number {
    return this.turns.size;
  }
}

/** The API's ModelConversation or AgentConversation object. */
export function conversationJson(c: StoredConversation): Json {
  const common = {
    object: 'conversation',
    id: c.id,
    created_at: isoTime(c.createdAt),
    updated_at: isoTime(c.updatedAt),
    name: c.name,
    metadata: c.metadata,
  };
  if (c.agentId !== undefined) {
    return { ...common, agent_id: c.agentId, agent_version: c.agentVersion ?? null };
  }
  return {
    ...common,
    model: c.model,
    instructions: c.instructions,
    tools: c.tools,
    completion_args: c.completionArgs,
    guardrails: c.guardrails,
  };
}
