import { EventStream, type SseMessage } from '@mistralai/mistralai/lib/event-streams.js';
import { describe, expect, it } from 'vitest';
import { FastEventStream, type DecodeEvent } from './fast-sse.js';

/** What reading a stream gave: its items, how it ended, and what its body was cancelled with. */
interface Outcome {
  items: unknown[];
  error?: string;
  cancelled: unknown[];
}

const encoder = new TextEncoder();

/** A body that gives `chunks` one per read, and records each cancellation. */
function body(chunks: Uint8Array[], cancelled: unknown[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[next++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
      cancel(reason) {
        cancelled.push(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** The SDK's decoder shape: `[DONE]` ends, `boom` fails, anything else is kept whole. */
const decode: DecodeEvent<SseMessage<string>> = (event) => {
  if (event.data === '[DONE]') return { done: true, value: undefined };
  if (event.data === 'boom') throw new SyntaxError(`cannot read ${event.data}`);
  return { done: false, value: { ...event } };
};

async function readAll(
  make: (body: ReadableStream<Uint8Array>) => ReadableStream<SseMessage<string>>,
  chunks: Uint8Array[],
  how: 'iterate' | 'reader',
): Promise<Outcome> {
  const cancelled: unknown[] = [];
  const stream = make(body(chunks, cancelled));
  const items: unknown[] = [];
  try {
    if (how === 'iterate') {
      for await (const item of stream) items.push(item);
    } else {
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        items.push(value);
      }
    }
  } catch (error) {
    return { items, error: String(error), cancelled };
  }
  return { items, cancelled };
}

const sdk = (b: ReadableStream<Uint8Array>) => new EventStream(b, decode);
const fast = (b: ReadableStream<Uint8Array>) => new FastEventStream(b, decode);

/** `bytes` cut at the given offsets. */
function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const to of [...offsets, bytes.length]) {
    if (to > from) chunks.push(bytes.slice(from, to));
    from = Math.max(from, to);
  }
  return chunks;
}

/** A small deterministic generator, so that a failure names its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const bodies: Record<string, Uint8Array> = {
  'one data line per event': encoder.encode('data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'),
  'events after the end sentinel': encoder.encode('data: 1\n\ndata: [DONE]\n\ndata: 2\n\n'),
  'no end sentinel and a trailing partial event': encoder.encode('data: 1\n\ndata: 2\n\ndata: 3'),
  'carriage returns and line feeds mixed': encoder.encode(
    'data: a\r\n\r\ndata: b\r\rdata: c\n\r\ndata: d\r\n\ndata: e\n\rdata: f\r\r\ndata: g\n\n',
  ),
  'fields, comments and several data lines': encoder.encode(
    ': keep-alive\n\nevent: message.output.delta\nid: 7\nretry: 1500\ndata: x\ndata:y\n\n' +
      'id: bad\u0000id\ndata: z\n\nevent: no-data\n\nretry: soon\ndata:  two spaces\n\n' +
      'data\n\nfield-only\ndata: w\n\n',
  ),
  'multi-byte characters': encoder.encode('data: é🌊 marée\n\ndata: 日本語\n\ndata: [DONE]\n\n'),
  'bytes that are not UTF-8': new Uint8Array([
    ...encoder.encode('data: a'),
    0xff,
    0xc3,
    ...encoder.encode('\n\ndata: b'),
    0xe6,
    0x97,
    ...encoder.encode('\n\n'),
  ]),
  'a decoder that fails mid-stream': encoder.encode('data: 1\n\ndata: boom\n\ndata: 2\n\n'),
};

describe('FastEventStream', () => {
  for (const [name, bytes] of Object.entries(bodies)) {
    it(`reads ${name} as the SDK's EventStream does, however the bytes are cut`, async () => {
      const next = random(bytes.length);
      const cuts: number[][] = [[], Array.from({ length: bytes.length }, (_, i) => i)];
      for (let i = 0; i < 20; i++) {
        const offsets = Array.from({ length: 1 + Math.floor(next() * 6) }, () =>
          Math.floor(next() * bytes.length),
        ).sort((a, b) => a - b);
        cuts.push(offsets);
      }
      for (const offsets of cuts) {
        for (const how of ['iterate', 'reader'] as const) {
          const expected = await readAll(sdk, cut(bytes, offsets), how);
          const actual = await readAll(fast, cut(bytes, offsets), how);
          expect({ offsets, how, ...actual }).toEqual({ offsets, how, ...expected });
        }
      }
    });
  }

  it('fails with the body failure, as the SDK does, when the body fails mid-stream', async () => {
    const failing = (cancelled: unknown[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('data: 1\n\ndata: 2'));
          controller.error(new TypeError('terminated'));
        },
        cancel(reason) {
          cancelled.push(reason);
        },
      });
    const outcomes: Outcome[] = [];
    for (const make of [sdk, fast]) {
      const cancelled: unknown[] = [];
      const items: unknown[] = [];
      const error = await (async () => {
        for await (const item of make(failing(cancelled))) items.push(item);
      })().then(
        () => 'none',
        (e: unknown) => String(e),
      );
      outcomes.push({ items, error, cancelled });
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[1]!.error).toBe('TypeError: terminated');
  });

  it('reports a body that cannot be cancelled after a refused event, instead of dropping it', async () => {
    const stream = fast(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode('data: 1\n\ndata: boom\n\n'));
        },
        cancel() {
          throw new Error('the body could not be cancelled');
        },
      }),
    );
    const items: unknown[] = [];
    const failure = await (async () => {
      for await (const item of stream) items.push(item);
    })().then(
      () => 'none',
      (e: unknown) => String(e),
    );
    expect(items).toHaveLength(1);
    expect(failure).toBe('Error: the body could not be cancelled');
  });

  it('stops reading the body when the consumer stops, and unlocks once the events end', async () => {
    const cancelled: unknown[] = [];
    const stream = fast(body([encoder.encode('data: 1\n\ndata: 2\n\n')], cancelled));
    for await (const item of stream) {
      expect(item).toEqual({ id: undefined, data: '1' });
      break;
    }
    expect(cancelled).toEqual([undefined]);
    expect(stream.locked).toBe(false);

    const whole = fast(body([encoder.encode('data: 1\n\n')], []));
    const seen: unknown[] = [];
    for await (const item of whole) {
      expect(whole.locked).toBe(true);
      seen.push(item);
    }
    expect(seen).toHaveLength(1);
    expect(whole.locked).toBe(false);
  });
});
