import { waitFor } from '@mistral-flows/testing';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** A minimal Server-Sent Events client over fetch, for tests: records every message it reads. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly #abort = new AbortController();
  #done: Promise<void>;

  private constructor(response: Response) {
    this.#done = this.#read(response);
  }

  static async open(url: string, lastEventId?: number): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) },
      signal: abort.signal,
    });
    if (!response.ok || response.body === null) throw new Error(`SSE ${url}: ${response.status}`);
    const client = new SseClient(response);
    client.#abort.signal.addEventListener('abort', () => abort.abort());
    return client;
  }

  /** Ids of the record messages (not the full state), as numbers. */
  recordIds(): number[] {
    return this.messages.filter((m) => m.event === 'message').map((m) => Number(m.id));
  }

  /** The last id seen (the one EventSource would send as Last-Event-ID). */
  lastId(): number {
    const withId = this.messages.filter((m) => m.id !== undefined);
    return Number(withId.at(-1)?.id ?? NaN);
  }

  async waitForId(id: number): Promise<void> {
    await waitFor(() => this.lastId() >= id, { what: `SSE message with id ${id}` });
  }

  /** Resolves when the server ends the stream. */
  ended(): Promise<void> {
    return this.#done;
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done.catch(() => undefined);
  }

  async #read(response: Response): Promise<void> {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { event: 'message', data: '' };
        let hasData = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') message.id = text;
          else if (field === 'event') message.event = text;
          else if (field === 'data') {
            message.data += (hasData ? '\n' : '') + text;
            hasData = true;
          }
        }
        if (hasData) this.messages.push(message);
      }
    }
  }
}

/** The server's current sequence number. */
export async function currentSeq(baseUrl: string): Promise<number> {
  const response = await fetch(new URL('api/state', baseUrl));
  return ((await response.json()) as { seq: number }).seq;
}
