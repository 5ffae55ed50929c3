/** One server-sent event as read from the wire. */
export interface SseMessage<T = string> {
  /** The `id:` field; `undefined` when the frame had none. */
  id: string | undefined;
  /** The `event:` field, `message` when absent. */
  event: string;
  data: T;
  /** The `retry:` field, in milliseconds. */
  retry?: number;
}

/**
 * Formats one SSE frame. Multi-line data is split over several `data:` lines, as the format
 * requires; ids and event names must not contain line breaks.
 */
export function formatSseFrame(frame: {
  id?: string | number;
  event?: string;
  data: string;
}): string {
  let out = '';
  if (frame.id !== undefined) out += `id: ${frame.id}\n`;
  if (frame.event !== undefined) out += `event: ${frame.event}\n`;
  const data = frame.data;
  if (data.includes('\n') || data.includes('\r')) {
    for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  } else {
    out += `data: ${data}\n`;
  }
  return out + '\n';
}

/**
 * An incremental SSE parser (the WHATWG event-stream format): feed it text as it arrives and it
 * returns the complete messages. Handles `\n`, `\r\n` and `\r` line ends, comments, multi-line
 * data, and frames split anywhere across chunks. The last `id:` seen is kept across messages,
 * as browsers do for `Last-Event-ID`.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private retry: number | undefined;
  private sawField = false;
  /** The id a reconnect should send in `Last-Event-ID`. */
  lastEventId: string | undefined;
  /** The raw text of the frame being read, to name it when it turns out malformed. */
  private raw = '';

  feed(text: string): Array<SseMessage & { raw: string }> {
    this.buffer += text;
    const messages: Array<SseMessage & { raw: string }> = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      // A lone \r at the very end may be the first half of \r\n: wait for more input.
      if (ch === 13 && i === this.buffer.length - 1) break;
      const line = this.buffer.slice(start, i);
      if (ch === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      const message = this.line(line);
      if (message) messages.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): (SseMessage & { raw: string }) | undefined {
    if (line === '') return this.dispatch();
    this.raw += `${line}\n`;
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawField = true;
        break;
      case 'event':
        this.event = value;
        this.sawField = true;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.id = value;
          this.lastEventId = value;
        }
        this.sawField = true;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): (SseMessage & { raw: string }) | undefined {
    const raw = this.raw;
    this.raw = '';
    if (!this.sawField || this.data.length === 0) {
      this.reset();
      return undefined;
    }
    const message: SseMessage & { raw: string } = {
      id: this.id,
      event: this.event === '' ? 'message' : this.event,
      data: this.data.join('\n'),
      raw,
    };
    if (this.retry !== undefined) message.retry = this.retry;
    this.reset();
    return message;
  }

  private reset(): void {
    this.data = [];
    this.event = '';
    this.id = undefined;
    this.retry = undefined;
    this.sawField = false;
  }
}
