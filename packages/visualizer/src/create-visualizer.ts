import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InspectionEvent } from 'xstate';
import { isLoopbackHost } from './loopback.js';
import { Recorder } from './recorder.js';
import { ReplayLog } from './replay-log.js';
import type { SerializeOptions } from './serialize.js';
import { SseHub } from './sse-hub.js';
import { VisualizerError } from './visualizer-error.js';

export interface VisualizerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind (default `127.0.0.1`). Anything else but loopback needs `allowRemote`. */
  host?: string;
  /**
   * Allows binding to a non-loopback interface, which lets anyone who can reach it read your
   * actors' contexts and events (secrets are redacted, other data is not). Prints a warning.
   */
  allowRemote?: boolean;
  /** Where the warning goes (default `console.warn`). */
  warn?: (message: string) => void;
  /** Records kept for reconnecting pages and first loads (defaults: 50,000 records, 64 Mi chars). */
  replay?: { maxEntries?: number; maxChars?: number };
  /** Limits for serialised contexts, events, outputs and errors. */
  serialize?: SerializeOptions;
  /** Actors remembered at most; finished ones are forgotten first (default 1,000). */
  maxActors?: number;
  /** Clock for record times (default `Date.now`). */
  now?: () => number;
}

export interface Visualizer {
  /** The page, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  /**
   * The inspection observer: `createActor(machine, { inspect: visualizer.inspect })`. It sees the
   * actor and every actor it invokes or spawns. Safe to share between many root actors.
   */
  readonly inspect: (event: InspectionEvent) => void;
  /**
   * Resolves when a page is connected (at once if one already is), so that a program can wait
   * for someone to watch before it starts its actors. Rejects with the signal's reason when
   * `signal` aborts first; resolves when the visualizer is closed.
   */
  waitForPage(options?: { signal?: AbortSignal }): Promise<void>;
  /** Stops recording, ends the page streams and closes the server. */
  close(): Promise<void>;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** Built by `scripts/bundle.mjs`; the same relative path from `src/` and from `dist/`. */
const ASSET_DIR = new URL('../dist/page/', import.meta.url);

/**
 * Starts the live statechart inspector: an HTTP server on 127.0.0.1 that serves its own page
 * (bundled at build time, no network needed) and streams what `inspect` sees to it over
 * Server-Sent Events that resume without gaps after a reconnect.
 *
 * @example
 * ```ts
 * const visualizer = await createVisualizer();
 * const actor = createActor(conversationMachine, { inspect: visualizer.inspect }).start();
 * console.log(`open ${visualizer.url}`);
 * ```
 *
 * @throws VisualizerError `non_loopback_host` when `host` is not loopback and `allowRemote` is
 *   not set; `listen_failed` when the port cannot be bound.
 */
export async function createVisualizer(options: VisualizerOptions = {}): Promise<Visualizer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new VisualizerError(
      'invalid_option',
      `port must be an integer in [0, 65535], got ${port}`,
    );
  }
  const loopback = isLoopbackHost(host);
  if (!loopback && options.allowRemote !== true) {
    throw new VisualizerError(
      'non_loopback_host',
      `refusing to bind the visualizer to ${host}: it shows your actors' data to anyone who can reach it. ` +
        'Pass allowRemote: true to do it anyway.',
    );
  }

  const log = new ReplayLog(options.replay);
  const fullState = (): { seq: number; json: string } => {
    const { actors, graphs, seq } = recorder.state();
    const json = `{"seq":${seq},"actors":${JSON.stringify(actors)},"graphs":${JSON.stringify(graphs)},"records":[${log.all().join(',')}]}`;
    return { seq, json };
  };
  const hub = new SseHub({ log, fullState });
  const recorder = new Recorder({
    ...(options.serialize === undefined ? {} : { serialize: options.serialize }),
    ...(options.maxActors === undefined ? {} : { maxActors: options.maxActors }),
    ...(options.now === undefined ? {} : { now: options.now }),
    onRecord: (record, json) => {
      log.append(record.seq, json);
      hub.publish(record.seq, json);
    },
  });

  const assets = new Map<string, Promise<Buffer>>();
  const asset = (file: string): Promise<Buffer> => {
    let loaded = assets.get(file);
    if (loaded === undefined) {
      loaded = readFile(new URL(file, ASSET_DIR));
      assets.set(file, loaded);
      loaded.catch(() => assets.delete(file));
    }
    return loaded;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`visualizer error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (loopback && !isLoopbackHost(hostName(req.headers.host))) {
      // A page on another site that resolves its name to 127.0.0.1 (DNS rebinding) gets nothing.
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('forbidden host');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/events') {
      hub.handle(req, res);
      return;
    }
    if (path === '/api/state') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(fullState().json);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const entry = ASSETS[path];
    if (entry === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    let body: Buffer;
    try {
      body = await asset(entry.file);
    } catch {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The visualizer page is not built: run `pnpm build` in @mistral-flows/visualizer.');
      return;
    }
    res.writeHead(200, {
      'Content-Type': entry.type,
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy':
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) =>
      reject(new VisualizerError('listen_failed', `cannot listen on ${host}:${port}`, { cause })),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  if (!loopback) {
    (options.warn ?? console.warn)(
      `[visualizer] listening on ${url}, reachable from other machines: anyone who can reach it sees your actors' contexts and events.`,
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    inspect: recorder.inspect,
    waitForPage: (waitOptions) => hub.waitForClient(waitOptions?.signal),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        recorder.close();
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function hostName(header: string | undefined): string {
  if (header === undefined) return '';
  const bracketed = /^\[[^\]]*\]/.exec(header);
  return bracketed ? bracketed[0] : header.replace(/:\d+$/, '');
}
