// The relay of the relay benchmark, in a process of its own: an HTTP server on 127.0.0.1 (port 0)
// that answers every request with `chatStream(client, request)` served by `serveSSE`, the client
// built with `createClient({ wire })` against the emulator. Each event is stamped with
// `relayAt`, the wall-clock time (ms, `performance.timeOrigin + performance.now()`, shared by
// the processes of one machine) at which chatStream handed it to the relay, so that the SSE
// client can tell the time the relay added to it.
//
// With the wire `pipe`, the relay is the floor of any relay instead: it forwards the emulator's
// bytes as they come (`node:http` both ways, no parse, no framing, no stamp), counting frames.
//
// argv: <emulator URL> <wire: fast | sdk | pipe>. Prints `ready <port>` once warm: a first call on a
// fresh client loads and compiles the wire (about a second for the SDK's on a busy machine),
// which is not what the benchmark measures, so the relay first serves itself a few short streams. On `mark <n>` read from stdin,
// prints `mark <n> <json>` with this process's CPU time, wall time, memory, open streams, events
// relayed so far and event-loop delay since the previous mark. Run with --expose-gc: the first mark collects
// garbage first, so that it is a clean baseline.
import { Agent, createServer, get, request as httpRequest, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createClient } from '@mistral-flows/core';
import { chatStream, serveSSE, type StreamEvent } from '@mistral-flows/stream';
import { map } from 'rxjs';

const [serverURL, wire] = process.argv.slice(2) as [string, 'fast' | 'sdk' | 'pipe'];
const client = createClient({
  serverURL,
  apiKey: 'bench',
  env: {},
  ...(wire === 'fast' ? { wire: 'fast' as const } : {}),
});
const request = (content: string) => ({
  model: 'mistral-small-latest',
  messages: [{ role: 'user' as const, content }],
});
const story = request('Tell the relay benchmark story.');
/** The emulator's default scripted answer: 20 to 60 tokens. */
const warmUp = request('Say a few words.');
const origin = performance.timeOrigin;
let events = 0;
const stamp = map((event: StreamEvent) => {
  events++;
  // The event is this subscription's own: stamping it in place allocates nothing more.
  (event as StreamEvent & { relayAt: number }).relayAt = origin + performance.now();
  return event;
});

const upstream = new URL('v1/chat/completions', serverURL.replace(/\/?$/, '/'));
const upstreamAgent = new Agent({ keepAlive: true });
const NEWLINES = Buffer.from('\n\n');

/** The floor: the emulator's answer to `body`, forwarded byte for byte; frames are counted. */
function pipe(body: object, res: ServerResponse): void {
  const text = JSON.stringify({ ...body, stream: true });
  const headers = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    authorization: 'Bearer bench',
    'content-length': String(Buffer.byteLength(text)),
  };
  const up = httpRequest(upstream, { method: 'POST', headers, agent: upstreamAgent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { 'content-type': 'text/event-stream' });
    answer.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(NEWLINES); at >= 0; at = chunk.indexOf(NEWLINES, at + 2)) {
        events++;
      }
      res.write(chunk);
    });
    answer.once('end', () => res.end());
    answer.once('error', () => res.destroy());
  });
  up.once('error', () => res.destroy());
  res.once('close', () => up.destroy());
  up.end(text);
}

let open = 0;
let served = 0;
const server = createServer((req, res) => {
  open++;
  served++;
  res.once('close', () => open--);
  const body = req.url === '/warm-up' ? warmUp : story;
  if (wire === 'pipe') pipe(body, res);
  else serveSSE(chatStream(client, body).pipe(stamp), req, res);
});
server.keepAliveTimeout = 0;

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const gc = (globalThis as { gc?: () => void }).gc;
let marks = 0;
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, n] = line.split(' ');
  if (command !== 'mark') return;
  if (marks++ === 0) gc?.();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const mark = {
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now(),
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    open,
    served,
    events,
    loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
  loopDelay.reset();
  process.stdout.write(`mark ${n} ${JSON.stringify(mark)}\n`);
});
process.stdin.once('end', () => process.exit(0));

/** Reads one stream of this relay to its end. */
function readOwn(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}/warm-up`, { agent: false }, (res) => {
      res.resume();
      res.once('end', resolve);
      res.once('error', reject);
    }).once('error', reject);
  });
}

// A backlog for 1,000 connections arriving within a second at a loop that may be busy for
// hundreds of ms: Node's default (511) overflows, and the kernel then drops connections.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  void (async () => {
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 20 }, () => readOwn(port)));
    }
    served = 0;
    events = 0;
    process.stdout.write(`ready ${port}\n`);
  })();
});
