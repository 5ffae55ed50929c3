import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { playFrames } from './sse.js';
import { Timers } from './timers.js';

/** Just enough of a ServerResponse to record what playFrames writes. */
class FakeResponse extends EventEmitter {
  writes: string[] = [];
  headers: Record<string, unknown> = {};
  ended = false;
  destroyed = false;
  writeHead(_status: number, headers: Record<string, unknown>) {
    this.headers = headers;
    return this;
  }
  flushHeaders() {}
  write(chunk: string, callback?: () => void) {
    this.writes.push(chunk);
    callback?.();
    return true;
  }
  end(chunk?: string) {
    if (chunk) this.writes.push(chunk);
    this.ended = true;
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

const frames = ['a\n\n', 'b\n\n', 'c\n\n', 'd\n\n'];

describe('playFrames', () => {
  it('writes the whole stream at once with a content length when there is no delay', () => {
    const res = new FakeResponse();
    const outcomes: string[] = [];
    playFrames(res as unknown as ServerResponse, frames, new Timers(), {
      onEnd: (o) => outcomes.push(o),
    });
    expect(res.writes).toEqual(['a\n\nb\n\nc\n\nd\n\n']);
    expect(res.headers['content-length']).toBe(12);
    expect(res.ended).toBe(true);
    expect(outcomes).toEqual(['completed']);
  });

  it('groups frames that are due together and waits between the others', async () => {
    const res = new FakeResponse();
    const timers = new Timers();
    const done = new Promise<string>((resolve) =>
      playFrames(res as unknown as ServerResponse, frames, timers, {
        delays: [1, 0, 1, 0],
        onEnd: resolve,
      }),
    );
    expect(await done).toBe('completed');
    expect(res.writes).toEqual(['a\n\nb\n\n', 'c\n\nd\n\n']);
    expect(timers.size).toBe(0);
  });

  it('destroys the connection after the given number of frames', async () => {
    const res = new FakeResponse();
    const outcome = await new Promise<string>((resolve) =>
      playFrames(res as unknown as ServerResponse, frames, new Timers(), {
        dropAfterFrames: 2,
        onEnd: resolve,
      }),
    );
    expect(outcome).toBe('dropped');
    expect(res.writes.join('')).toBe('a\n\nb\n\n');
    expect(res.destroyed).toBe(true);
    expect(res.ended).toBe(false);
  });

  it('reports an abort and clears its timer when the client leaves', async () => {
    const res = new FakeResponse();
    const timers = new Timers();
    const outcome = new Promise<string>((resolve) =>
      playFrames(res as unknown as ServerResponse, frames, timers, {
        delays: [0, 1000, 1000, 1000],
        onEnd: resolve,
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    res.emit('close');
    expect(await outcome).toBe('aborted');
    expect(timers.size).toBe(0);
  });

  it('reports an abort when the timers are cleared (emulator closing)', async () => {
    const res = new FakeResponse();
    const timers = new Timers();
    const outcome = new Promise<string>((resolve) =>
      playFrames(res as unknown as ServerResponse, frames, timers, {
        delays: [1000, 0, 0, 0],
        onEnd: resolve,
      }),
    );
    timers.clearAll();
    expect(await outcome).toBe('aborted');
  });
});
