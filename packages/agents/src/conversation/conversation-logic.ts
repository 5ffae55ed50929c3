import type { Mistral } from '@mistralai/mistralai';
import { conversationMachine } from '../machine/conversation-machine.js';
import { modelTurnActor } from '../machine/model-turn.js';
import { runToolsActor } from '../machine/run-tools.js';
import type { AnyTool } from '../tools/define-tool.js';
import type { ConversationOptions } from './create-conversation.js';

/** The machine with this conversation's model and tool actors. */
export function conversationLogic(
  options: ConversationOptions,
  tools: ReadonlyMap<string, AnyTool>,
) {
  return conversationMachine.provide({
    actors: {
      modelTurn: modelTurnActor({
        client: options.client,
        tools,
        ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
        ...(options.semaphore ? { semaphore: options.semaphore } : {}),
        ...(options.streamOptions ? { streamOptions: options.streamOptions } : {}),
      }),
      runTools: runToolsActor(tools, options.onToolExecute),
    },
  });
}

type ConversationLogic = ReturnType<typeof conversationLogic>;

/**
 * Machines already provided with a client's actors, by the tools and limits they were made with:
 * `provide()` builds a whole new machine, which costs more than a turn, and most services start
 * every conversation with the same client, tools and limits.
 */
const logicCache = new WeakMap<Mistral, Array<{ key: unknown[]; logic: ConversationLogic }>>();
const LOGIC_CACHE_SIZE = 8;

export function sharedLogic(
  options: ConversationOptions,
  tools: ReadonlyMap<string, AnyTool>,
): ConversationLogic {
  const key = [
    options.rateLimiter,
    options.semaphore,
    options.streamOptions,
    options.onToolExecute,
    ...tools.values(),
  ];
  let entries = logicCache.get(options.client);
  if (!entries) logicCache.set(options.client, (entries = []));
  const hit = entries.find(
    (e) => e.key.length === key.length && e.key.every((k, i) => k === key[i]),
  );
  if (hit) return hit.logic;
  const logic = conversationLogic(options, tools);
  entries.unshift({ key, logic });
  if (entries.length > LOGIC_CACHE_SIZE) entries.pop();
  return logic;
}
