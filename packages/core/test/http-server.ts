import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach } from 'vitest';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

/**
 * A throwaway HTTP server on 127.0.0.1:0 that answers with `handler`, for tests that need an
 * exact status or header the emulator is not asked for. Open sockets are destroyed on close.
 */
export async function startTestServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Test servers for one `describe`, at most one at a time, each closed when the next starts and
 * after every test: `start(handler)`, or `answering(status, body, contentType)` for a server that
 * answers every request alike, which returns the client options to reach it (under `/prefix`).
 */
export function testServers(apiKey: string) {
  let server: TestServer | undefined;
  const close = async () => {
    await server?.close();
    server = undefined;
  };
  afterEach(close);
  const start = async (handler: Parameters<typeof startTestServer>[0]) => {
    await close();
    server = await startTestServer(handler);
    return server;
  };
  const answering = async (status: number, body: string, contentType = 'application/json') => {
    const { url } = await start((_req, res) => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body);
    });
    return { serverURL: `${url}/prefix`, apiKey };
  };
  return {
    start,
    answering,
    close,
    /** The requests the current server received. */
    get requests(): IncomingMessage[] {
      return server?.requests ?? [];
    },
  };
}
