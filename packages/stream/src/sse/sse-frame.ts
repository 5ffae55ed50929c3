import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

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
 * An incremental SSE parser (the WHATWG event-stream format) over `eventsource-parser`: feed it
 * text as it arrives and it returns the complete messages. Line ends, comments, multi-line data
 * and frames split anywhere across chunks are the library's. The last `id:` seen is kept across
 * messages, as browsers do for `Last-Event-ID`, and each message carries its frame's text
 * (`raw`), to name a malformed frame in an error.
 */
export class SseParser {
  /** The id a reconnect should send in `Last-Event-ID`. */
  lastEventId: string | undefined;
  private readonly parser: EventSourceParser;
  private messages: Array<SseMessage & { raw: string }> = [];
  private retry: number | undefined;

  constructor() {
    this.parser = createParser({
      onEvent: (event) => this.onEvent(event),
      onRetry: (interval) => {
        this.retry = interval;
      },
    });
  }

  feed(text: string): Array<SseMessage & { raw: string }> {
    this.parser.feed(text);
    const messages = this.messages;
    this.messages = [];
    return messages;
  }

  private onEvent(event: EventSourceMessage): void {
    if (event.id !== undefined) this.lastEventId = event.id;
    let raw = '';
    if (event.id !== undefined) raw += `id: ${event.id}\n`;
    if (event.event !== undefined) raw += `event: ${event.event}\n`;
    for (const line of event.data.split('\n')) raw += `data: ${line}\n`;
    const message: SseMessage & { raw: string } = {
      id: event.id,
      event: event.event ?? 'message',
      data: event.data,
      raw,
    };
    if (this.retry !== undefined) {
      message.retry = this.retry;
      this.retry = undefined;
    }
    this.messages.push(message);
  }
}
