import type { ResponseEndEvent, StreamEvent } from '../stream-event.js';

/** Named events for marble diagrams: `s` start, `a`/`b`/`c` deltas, `r` restart, `e` end. */
export const ev = {
  s: { type: 'response-start', id: 'cmpl-1', model: 'm', attempt: 1 },
  a: { type: 'text-delta', text: 'Hel', index: 0 },
  b: { type: 'text-delta', text: 'lo', index: 1 },
  c: { type: 'text-delta', text: '!', index: 2 },
  t: { type: 'tool-call', id: 'call_1', name: 'f', arguments: {}, rawArguments: '{}', index: 0 },
  r: { type: 'restart', attempt: 2, reason: 'network', discardedText: 'Hel' },
  e: {
    type: 'response-end',
    id: 'cmpl-1',
    model: 'm',
    finishReason: 'stop',
    usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
    text: 'Hello',
    toolCalls: [],
  },
} satisfies Record<string, StreamEvent>;

export const end2: ResponseEndEvent = {
  ...ev.e,
  usage: { promptTokens: 10, completionTokens: 1, totalTokens: 11 },
};
