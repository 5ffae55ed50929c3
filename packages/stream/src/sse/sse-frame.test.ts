import { describe, expect, it } from 'vitest';
import { formatSseFrame, SseParser } from './sse-frame.js';

describe('formatSseFrame', () => {
  it('writes id, event and data lines and a blank line', () => {
    expect(formatSseFrame({ id: 3, event: 'text-delta', data: '{"a":1}' })).toBe(
      'id: 3\nevent: text-delta\ndata: {"a":1}\n\n',
    );
  });

  it('splits multi-line data over several data lines', () => {
    expect(formatSseFrame({ data: 'a\nb\r\nc' })).toBe('data: a\ndata: b\ndata: c\n\n');
  });
});

describe('SseParser', () => {
  it('parses frames split anywhere across chunks', () => {
    const text = 'id: 1\nevent: a\ndata: {"x":1}\n\nid: 2\ndata: two\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const messages = [...parser.feed(text.slice(0, cut)), ...parser.feed(text.slice(cut))];
      expect(messages.map(({ raw: _raw, ...m }) => m)).toEqual([
        { id: '1', event: 'a', data: '{"x":1}' },
        { id: '2', event: 'message', data: 'two' },
      ]);
    }
  });

  it('accepts \\r\\n and \\r line ends, and a \\r\\n split between chunks', () => {
    const parser = new SseParser();
    const out = [...parser.feed('data: a\r'), ...parser.feed('\n\r\ndata: b\r\r\n')];
    expect(out.map((m) => m.data)).toEqual(['a', 'b']);
  });

  it('joins multiple data lines, skips comments and frames without data', () => {
    const parser = new SseParser();
    const out = parser.feed(': ping\n\nevent: only-event\n\ndata: line1\ndata: line2\n\n');
    expect(out.map((m) => m.data)).toEqual(['line1\nline2']);
  });

  it('reads data without a space after the colon, the retry field, and keeps the last id', () => {
    const parser = new SseParser();
    const [message] = parser.feed('id:7\nretry: 1500\ndata:x\n\n');
    expect(message).toMatchObject({ id: '7', data: 'x', retry: 1500 });
    parser.feed('data: no id\n\n');
    expect(parser.lastEventId).toBe('7');
  });

  it('keeps the raw text of each frame to name it in errors', () => {
    const parser = new SseParser();
    const [message] = parser.feed('id: 9\nevent: text-delta\ndata: {broken\n\n');
    expect(message?.raw).toBe('id: 9\nevent: text-delta\ndata: {broken\n');
  });
});
