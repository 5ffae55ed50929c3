import { describe, expect, it } from 'vitest';
import type { SnapshotRecord } from '../protocol.js';
import { shownText } from './streamed-text.js';

const snapshot = (seq: number, streamingText: string): SnapshotRecord => ({
  type: 'snapshot',
  seq,
  t: seq,
  actor: 'a',
  event: 'e',
  status: 'active',
  context: { streamingText },
});

describe('shownText', () => {
  it('shows the current text while it streams', () => {
    const timeline = [snapshot(1, 'He'), snapshot(2, 'Hello')];
    expect(shownText(timeline, timeline[1])).toEqual({
      field: 'streamingText',
      text: 'Hello',
      ended: false,
    });
  });

  it('keeps the last text on screen once the field is emptied', () => {
    const timeline = [snapshot(1, ''), snapshot(2, 'Hello'), snapshot(3, '')];
    expect(shownText(timeline, timeline[2])).toEqual({
      field: 'streamingText',
      text: 'Hello',
      ended: true,
    });
    // Looking at an earlier snapshot uses only what came before it.
    expect(shownText(timeline, timeline[0])).toMatchObject({ text: '', ended: false });
  });
});
