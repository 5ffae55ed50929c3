import { asString } from '../http/as-string.js';
import { contentText } from '../completions/to-model-request.js';
import type { ModelMessage } from '../model/model-request.js';

type Json = Record<string, unknown>;

/**
 * Turns conversation entries into chat messages for the model: inputs and outputs become user and
 * assistant messages, consecutive `function.call` entries one assistant message with tool calls,
 * `function.result` entries tool messages. Tool executions, handoffs and calls of platform tools
 * (those with a `confirmation_status`) are the platform's own and are left out.
 */
export function entriesToMessages(entries: Json[], instructions: string | null): ModelMessage[] {
  const messages: ModelMessage[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  const names = new Map<string, string>();
  for (const entry of entries) {
    switch (entry.type) {
      case 'message.input':
        messages.push({
          role: entry.role === 'assistant' ? 'assistant' : 'user',
          content: contentText(entry.content),
        });
        break;
      case 'message.output':
        messages.push({ role: 'assistant', content: contentText(entry.content) });
        break;
      case 'function.call': {
        // A call with a confirmation status is a platform tool's (a built-in or a connector):
        // the platform runs it, as it does tool executions, so the model never sees it as its own.
        if (typeof entry.confirmation_status === 'string') break;
        const call = {
          id: String(entry.tool_call_id),
          name: String(entry.name),
          arguments:
            typeof entry.arguments === 'string'
              ? entry.arguments
              : JSON.stringify(entry.arguments ?? {}),
        };
        names.set(call.id, call.name);
        const last = messages[messages.length - 1];
        if (last?.role === 'assistant' && last.toolCalls && last.content === '')
          last.toolCalls.push(call);
        else messages.push({ role: 'assistant', content: '', toolCalls: [call] });
        break;
      }
      case 'function.result': {
        const id = String(entry.tool_call_id);
        messages.push({
          role: 'tool',
          content: asString(entry.result),
          toolCallId: id,
          name: names.get(id),
        });
        break;
      }
      default:
        break;
    }
  }
  return messages;
}
