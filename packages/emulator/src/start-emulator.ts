import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendJson } from './http/respond.js';
import type { EmulatorOptions } from './options.js';
import { createRequestHandler } from './server/handle-request.js';
import { createRouter } from './server/routes.js';
import { EmulatorRuntime } from './server/runtime.js';
import type { EmulatorStats } from './stats/emulator-stats.js';

/** A running emulator. */
export interface Emulator {
  /** The base URL to give the SDK as `serverURL`, such as `http://127.0.0.1:54321`. */
  url: string;
  port: number;
  /** Stops listening, destroys open connections (streams included) and clears every timer. */
  close(): Promise<void>;
  /** Counters since start or the last reset. */
  stats(): EmulatorStats;
  /** Clears counters and stored agents, conversations, connectors, files and jobs. */
  reset(): Promise<void>;
}

/**
 * Starts a local Mistral-compatible server.
 *
 * @example
 * const emulator = await startEmulator({ latency: { ttftMs: 0, tokenMs: 0 } });
 * const client = new Mistral({ serverURL: emulator.url, apiKey: 'test' });
 * await client.chat.complete({ model: 'mistral-small-latest', messages: [{ role: 'user', content: 'Hi' }] });
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const runtime = new EmulatorRuntime(options);
  const sockets = new Set<Socket>();

  const control = (req: IncomingMessage, res: ServerResponse, path: string): boolean => {
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/_emulator/stats') {
      req.resume();
      sendJson(res, 200, runtime.snapshot());
      return true;
    }
    if (method === 'POST' && path === '/_emulator/reset') {
      req.resume();
      runtime.reset().then(
        () => sendJson(res, 200, { reset: true }),
        (error: unknown) =>
          sendJson(res, 500, {
            object: 'error',
            message: String(error),
            type: 'server_error',
            param: null,
            code: null,
          }),
      );
      return true;
    }
    if (method === 'GET' && path === '/_emulator/health') {
      req.resume();
      sendJson(res, 200, { status: 'ok' });
      return true;
    }
    return false;
  };

  const server = createServer(
    { noDelay: true, keepAlive: true },
    createRequestHandler(runtime, createRouter(), control),
  );
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    runtime.openConnections++;
    socket.once('close', () => {
      sockets.delete(socket);
      runtime.openConnections--;
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(runtime.options.port, runtime.options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  runtime.options.port = port;
  runtime.batch.resume();
  const host = runtime.options.host.includes(':')
    ? `[${runtime.options.host}]`
    : runtime.options.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => runtime.snapshot(),
    reset: () => runtime.reset(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        const batchStopped = runtime.batch.stop();
        runtime.timers.clearAll();
        for (const res of runtime.held) res.destroy();
        runtime.held.clear();
        server.close(() => {
          batchStopped.then(resolve, resolve);
        });
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
