import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, isEventName } from './event-map.js';

describe('EVENT_NAMES', () => {
  it('keeps the chat:* names and one name per event, all <area>:<what>', () => {
    expect(EVENT_NAMES).toEqual(
      expect.arrayContaining(['chat:start', 'chat:chunk', 'chat:complete', 'chat:error']),
    );
    expect(new Set(EVENT_NAMES).size).toBe(EVENT_NAMES.length);
    for (const name of EVENT_NAMES)
      expect(name).toMatch(/^(chat|agent|batch|queue):[a-z]+(-[a-z]+)*$/);
  });

  it('isEventName tells vocabulary names from others', () => {
    expect(isEventName('batch:stuck')).toBe(true);
    expect(isEventName('chat:started')).toBe(false);
    expect(isEventName(3)).toBe(false);
  });
});
