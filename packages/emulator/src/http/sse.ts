import type { ServerResponse } from 'node:http';
import type { Timers } from './timers.js';

/** One server-sent event frame: `data: <json>\n\n`. */
export function dataFrame(json: string): string {
  return `data: ${json}\n\n`;
}

/** A named event frame (conversations): `event: <type>\ndata: <json>\n\n`. */
export function eventFrame(type: string, json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`;
}

export const doneFrame = 'data: [DONE]\n\n';

export interface PlayOptions {
  /** Wait before each frame, in ms; frames with no wait are written together. */
  delays?: number[];
  /** Destroy the connection after this many frames instead of ending the stream normally. */
  dropAfterFrames?: number;
  /** Called once: `completed` when the last frame went out, `aborted` when the client left first, `dropped` for a drop fault. */
  onEnd: (outcome: 'completed' | 'aborted' | 'dropped') => void;
}

const sseHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
};

/**
 * Sends SSE frames. Without delays the whole stream goes out in one write with a
 * `Content-Length`; with delays, consecutive frames due at the same time share one write, and the
 * pending timer is registered so that `close()` can clear it.
 */
export function playFrames(
  res: ServerResponse,
  frames: string[],
  timers: Timers,
  options: PlayOptions,
): void {
  const { delays, dropAfterFrames, onEnd } = options;
  const last =
    dropAfterFrames === undefined ? frames.length : Math.min(dropAfterFrames, frames.length);
  let ended = false;
  const finish = (outcome: 'completed' | 'aborted' | 'dropped') => {
    if (ended) return;
    ended = true;
    onEnd(outcome);
  };
  const drop = () => {
    finish('dropped');
    res.destroy();
  };

  if (!delays || delays.every((d) => d <= 0)) {
    if (dropAfterFrames === undefined) {
      const body = frames.join('');
      res.writeHead(200, { ...sseHeaders, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      finish('completed');
    } else {
      res.writeHead(200, sseHeaders);
      res.write(frames.slice(0, last).join(''), drop);
    }
    return;
  }

  res.writeHead(200, sseHeaders);
  res.flushHeaders();
  let index = 0;
  let timer: NodeJS.Timeout | undefined;
  res.on('close', () => {
    timers.clear(timer);
    if (!ended) finish('aborted');
  });
  const step = () => {
    timer = undefined;
    if (ended) return;
    let batch = frames[index++]!;
    while (index < last && (delays[index] ?? 0) <= 0) batch += frames[index++]!;
    if (index >= last) {
      if (dropAfterFrames !== undefined) {
        res.write(batch, drop);
      } else {
        res.end(batch);
        finish('completed');
      }
      return;
    }
    res.write(batch);
    timer = timers.set(step, delays[index]!, () => {
      if (!ended) finish('aborted');
    });
  };
  if (last === 0) {
    if (dropAfterFrames !== undefined) drop();
    else {
      res.end();
      finish('completed');
    }
    return;
  }
  timer = timers.set(step, delays[0] ?? 0, () => {
    if (!ended) finish('aborted');
  });
}
