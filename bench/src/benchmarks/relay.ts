import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childScript, spawnNode, type NodeChild } from '../chaos/node-child.js';
import { wholeNumber } from '../args.js';
import { alternate, format, measurement, median, medianRatio, type Benchmark } from '../harness.js';

/**
 * The load, from the environment (the bench CLI has no per-benchmark options): concurrent
 * streams, the emulator's delay per token, tokens per chat, and the ramp over which the SSE
 * client opens its streams.
 */
interface RelayLoad {
  streams: number;
  tokenMs: number;
  tokens: number;
  rampMs: number;
}

function loadFromEnv(env: NodeJS.ProcessEnv = process.env): RelayLoad {
  return {
    streams: wholeNumber(env.RELAY_STREAMS, 'RELAY_STREAMS', 1) ?? 1000,
    tokenMs: wholeNumber(env.RELAY_TOKEN_MS, 'RELAY_TOKEN_MS', 1) ?? 10,
    tokens: wholeNumber(env.RELAY_TOKENS, 'RELAY_TOKENS', 1) ?? 300,
    rampMs: wholeNumber(env.RELAY_RAMP_MS, 'RELAY_RAMP_MS') ?? 1000,
  };
}

/** What the relay process reports on `mark`. */
interface RelayMark {
  cpuMs: number;
  wallMs: number;
  rss: number;
  heapUsed: number;
  open: number;
  served: number;
  events: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
}

/** Delays in ms; null when there were none (JSON has no NaN). */
interface DelaySummary {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

/** What the SSE client process reports when every stream has ended. */
interface ClientReport {
  streams: number;
  completed: number;
  failed: number;
  failures: string[];
  steadyState: boolean;
  answeredAtEnd: number;
  windowMs: number;
  steadyChunks: number;
  clientCores: number;
  steady: DelaySummary;
  all: DelaySummary;
}

/** The figures of one pass: one wire, the whole load once. */
interface PassResult {
  relayCores: number;
  relayCpuPerChunkUs: number;
  relayedPerSecond: number;
  addedP50: number;
  addedP99: number;
  addedMax: number;
  allP99: number;
  rssPerStreamKB: number;
  heapPerStreamKB: number;
  emulatorCores: number;
  clientCores: number;
  deliveredShare: number;
  answeredShare: number;
  loopDelayP99: number;
  windowMs: number;
}

/** CPU time (ms) of another process, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, fields 14 and 15 of proc(5), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Waits for the first stdout line of `child` that `match` accepts, or throws naming `what`. */
async function line(
  child: NodeChild,
  match: (line: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<string> {
  const found = await child.waitForLine(match, timeoutMs);
  if (found === undefined) {
    throw new Error(`${what} did not come within ${timeoutMs / 1000} s: ${child.stderr()}`);
  }
  return found;
}

let marks = 0;

/** A mark: the relay's own (when there is a relay), and the emulator's CPU time at that moment. */
interface Mark {
  relay: RelayMark | undefined;
  emulatorCpuMs: number;
  emulatorWallMs: number;
}

async function mark(relay: NodeChild | undefined, emulatorPid: number): Promise<Mark> {
  const n = ++marks;
  const emulatorCpuMs = processCpuMs(emulatorPid);
  const emulatorWallMs = performance.now();
  if (!relay) return { relay: undefined, emulatorCpuMs, emulatorWallMs };
  relay.write(`mark ${n}`);
  const found = await line(relay, (l) => l.startsWith(`mark ${n} `), 30_000, 'a relay mark');
  const relayMark = JSON.parse(found.slice(`mark ${n} `.length)) as RelayMark;
  return { relay: relayMark, emulatorCpuMs, emulatorWallMs };
}

/**
 * Where the SSE client reads: through a relay on one wire, through a relay that pipes the
 * emulator's bytes (the floor of any relay), or the emulator directly.
 */
type Path = 'fast' | 'sdk' | 'pipe' | 'direct';

/**
 * One pass: a fresh relay process on `path`'s wire (none for `direct`), then a fresh SSE client
 * process that opens `load.streams` streams through it. Marks are taken before the load (after a
 * collection), when the last request has left, when every stream has been answered and when the
 * first stream ends. The steady state runs from the answer to every stream to the first end, or,
 * when the relay falls so far behind that the first stream ends before every stream has been
 * answered, from the last request to the first end (`answeredShare` then says how many were).
 */
async function pass(
  emulator: { url: string; pid: number },
  path: Path,
  load: RelayLoad,
): Promise<PassResult> {
  const relay =
    path === 'direct'
      ? undefined
      : spawnNode(childScript('bench-relay-server'), [emulator.url, path], {
          NODE_OPTIONS: '--expose-gc',
        });
  let client: NodeChild | undefined;
  try {
    let url = new URL('v1/chat/completions', emulator.url.replace(/\/?$/, '/')).href;
    if (relay) {
      const ready = await line(relay, (l) => l.startsWith('ready '), 30_000, 'the relay');
      url = `http://127.0.0.1:${Number(ready.split(' ')[1])}/chat`;
    }
    const before = await mark(relay, emulator.pid);
    client = spawnNode(childScript('bench-relay-client'), [
      url,
      String(load.streams),
      String(load.rampMs),
      ...(relay ? (path === 'pipe' ? ['piped'] : []) : ['direct']),
    ]);
    // A hang guard, not a measure: two minutes, and the load's chunks at 2,000 per second (a
    // relay starved on a loaded machine delivers a few thousand per second).
    const guardMs = 120_000 + load.rampMs + (load.streams * load.tokens) / 2;
    const wait = (match: (l: string) => boolean, what: string) =>
      line(client!, (l) => match(l) || l.startsWith('done '), guardMs, what);
    // Marks when the last request has left, when every stream has been answered (unless the
    // first stream ends before: the relay has fallen behind) and when the first stream ends.
    const ramped = (await wait((l) => l === 'ramped', 'the last request')).startsWith('done ')
      ? undefined
      : await mark(relay, emulator.pid);
    const next = await wait((l) => l === 'open' || l === 'first-end', 'an answer to every stream');
    const opened = next === 'open' ? await mark(relay, emulator.pid) : undefined;
    await wait((l) => l === 'first-end', 'a stream end');
    const closing = await mark(relay, emulator.pid);
    const done = await wait(() => false, 'the end of the load');
    const report = JSON.parse(done.slice('done '.length)) as ClientReport;
    if (report.failed > 0) {
      throw new Error(
        `${report.failed} of ${report.streams} streams failed (${path}): ${report.failures.join('; ')}`,
      );
    }
    const start = opened ?? ramped;
    if (!start || !report.steadyState) {
      throw new Error(
        `no steady state (${path}): a stream ended before the last request left (raise RELAY_TOKENS or lower RELAY_RAMP_MS)`,
      );
    }
    const offered = (report.windowMs / load.tokenMs) * load.streams;
    // Frames read from the emulator directly carry no stamp: their summaries are empty (null).
    const delay = (value: number | null) => value ?? NaN;
    const result: PassResult = {
      relayCores: NaN,
      relayCpuPerChunkUs: NaN,
      relayedPerSecond: NaN,
      addedP50: delay(report.steady.p50),
      addedP99: delay(report.steady.p99),
      addedMax: delay(report.steady.max),
      allP99: delay(report.all.p99),
      rssPerStreamKB: NaN,
      heapPerStreamKB: NaN,
      loopDelayP99: NaN,
      emulatorCores:
        (closing.emulatorCpuMs - start.emulatorCpuMs) /
        (closing.emulatorWallMs - start.emulatorWallMs),
      answeredShare: report.answeredAtEnd / report.streams,
      clientCores: report.clientCores,
      deliveredShare: report.steadyChunks / offered,
      windowMs: report.windowMs,
    };
    const [first, end, base] = [start.relay, closing.relay, before.relay];
    if (first && end && base) {
      const cpuMs = end.cpuMs - first.cpuMs;
      result.relayCores = cpuMs / (end.wallMs - first.wallMs);
      result.relayedPerSecond = ((end.events - first.events) * 1000) / (end.wallMs - first.wallMs);
      result.relayCpuPerChunkUs = (cpuMs * 1000) / (end.events - first.events);
      result.rssPerStreamKB = (end.rss - base.rss) / end.open / 1024;
      result.heapPerStreamKB = (end.heapUsed - base.heapUsed) / end.open / 1024;
      result.loopDelayP99 = end.loopDelayP99Ms;
    }
    return result;
  } finally {
    await client?.kill();
    await relay?.kill();
  }
}

const FAST = 'relay on the fast wire';
const SDK = 'relay on the SDK wire';
const PIPE = "floor: a relay that pipes the emulator's bytes (no parse, no framing)";
const DIRECT = 'no relay: the client reads the emulator directly';

export const benchmark: Benchmark = {
  name: 'relay',
  title:
    "Relay under load: 1,000 concurrent chats at 100 tokens/s from the emulator, each relayed by chatStream + serveSSE (an HTTP server in its own process) to an SSE client process; the relay on createClient({ wire: 'fast' }) against the SDK wire, and the same load read from the emulator directly",
  async run(ctx) {
    const load = loadFromEnv();
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-relay-'));
    const scenarios = join(dir, 'scenarios.json');
    const text = Array.from({ length: load.tokens }, (_, i) => `word${i % 97}`).join(' ');
    writeFileSync(
      scenarios,
      JSON.stringify({ rules: [{ match: { lastUserMessage: 'relay benchmark story' }, text }] }),
    );
    const emulator = await ctx.startEmulator([
      '--scenarios',
      scenarios,
      '--ttft-ms',
      '0',
      '--token-ms',
      String(load.tokenMs),
    ]);
    try {
      const paths: Record<string, Path> = {
        [FAST]: 'fast',
        [SDK]: 'sdk',
        [PIPE]: 'pipe',
        [DIRECT]: 'direct',
      };
      const results: Record<string, PassResult[]> = {
        [FAST]: [],
        [SDK]: [],
        [PIPE]: [],
        [DIRECT]: [],
      };
      const contenders = Object.fromEntries(
        Object.entries(paths).map(([name, path]) => [
          name,
          async () => {
            const r = await pass(emulator, path, load);
            results[name]!.push(r);
            ctx.log(
              (path === 'direct'
                ? '    no relay'
                : path === 'pipe'
                  ? `    piping relay ${format(r.relayCores)} cores,`
                  : `    relay ${format(r.relayCores)} cores, added p50 ${format(r.addedP50)} ms p99 ${format(r.addedP99)} ms,`) +
                ` emulator ${format(r.emulatorCores)} cores, client ${format(r.clientCores)} cores,` +
                ` delivered ${format(r.deliveredShare)} of the offered chunks`,
            );
            return r.deliveredShare;
          },
        ]),
      );
      await alternate(contenders, { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log });
      // Each contender ran once per round, the warm-up rounds first.
      const pick = (name: string, key: keyof PassResult) =>
        results[name]!.slice(ctx.warmup).map((r) => r[key]);
      const metrics: Array<[keyof PassResult, string, string]> = [
        ['relayCores', 'relay CPU, steady state', 'cores'],
        ['relayCpuPerChunkUs', 'relay CPU per chunk relayed', 'µs'],
        ['relayedPerSecond', 'chunks the relay took from chatStream per second', '/s'],
        ['addedP50', 'delay added per chunk, p50', 'ms'],
        ['addedP99', 'delay added per chunk, p99', 'ms'],
        ['addedMax', 'delay added per chunk, max', 'ms'],
        ['allP99', 'delay added per chunk, p99 with ramp and tail', 'ms'],
        ['loopDelayP99', 'relay event-loop delay, p99', 'ms'],
        ['rssPerStreamKB', 'relay RSS growth per open stream', 'KB'],
        ['heapPerStreamKB', 'relay heap growth per open stream', 'KB'],
        ['emulatorCores', 'emulator CPU, steady state', 'cores'],
        ['clientCores', 'SSE client CPU, steady state', 'cores'],
        ['deliveredShare', 'chunks delivered / offered, steady state', 'ratio'],
        ['answeredShare', 'streams answered before the first one ended', 'ratio'],
        ['windowMs', 'steady state measured', 'ms'],
      ];
      const fastP99 = median(pick(FAST, 'addedP99'));
      const fastCores = median(pick(FAST, 'relayCores'));
      const fastPerChunk = median(pick(FAST, 'relayCpuPerChunkUs'));
      const sdkPerChunk = median(pick(SDK, 'relayCpuPerChunkUs'));
      const pipePerChunk = median(pick(PIPE, 'relayCpuPerChunkUs'));
      const offeredPerSecond = (load.streams * 1000) / load.tokenMs;
      const keptUp = medianRatio(pick(FAST, 'deliveredShare'), pick(DIRECT, 'deliveredShare'));
      const share = (name: string) => format(median(pick(name, 'deliveredShare')));
      return {
        name: 'relay',
        title: this.title,
        measurements: Object.keys(paths).flatMap((name) =>
          metrics
            .filter(([key]) => pick(name, key).some((value) => !Number.isNaN(value)))
            .map(([key, metric, unit]) => measurement(name, metric, unit, pick(name, key))),
        ),
        goals: [
          {
            name: 'fast wire: delay the relay adds per chunk, p99',
            target: '< 50 ms',
            actual: `${format(fastP99)} ms`,
            met: fastP99 < 50,
          },
          {
            name: 'fast wire: relay process CPU, steady state',
            target: '< 1.0 core',
            actual: `${format(fastCores)} cores`,
            met: fastCores < 1,
          },
          {
            name: 'fast wire: the relay keeps up (chunks delivered / offered, against the direct pass)',
            target: '>= 0.9x',
            actual: `${format(keptUp)}x`,
            met: keptUp >= 0.9,
          },
          {
            name: 'relay CPU per chunk relayed, fast wire / SDK wire',
            target: 'none',
            actual: format(fastPerChunk / sdkPerChunk),
            met: true,
          },
          {
            name: 'relay CPU per chunk relayed, fast wire / a relay that pipes bytes (the floor)',
            target: 'none',
            actual: format(fastPerChunk / pipePerChunk),
            met: true,
          },
        ],
        notes: [
          `${load.streams} streams of ${load.tokens} tokens at one token per ${load.tokenMs} ms (${format(offeredPerSecond)} chunks/s offered in all), opened over ${load.rampMs} ms; the emulator, the relay and the SSE client each in a process of their own, on one machine. A fresh relay and client per pass; the steady state runs from the moment every stream has been answered (serveSSE answers at once, and the relay then holds every stream open) to the first stream's end, and CPU, delays and memory are taken over it. A relay that falls so far behind that a stream ends before every stream has been answered is measured from the last request instead, and "streams answered before the first one ended" is then under 1.`,
          "Delay added per chunk: the relay stamps each event with the wall clock (performance.timeOrigin + performance.now(), shared by the processes of one machine) when chatStream hands it over, i.e. after the wire has read and parsed its bytes; the SSE client stamps the bytes of each frame when they arrive; the difference is serveSSE's recording and log, the frame's JSON and write, loopback and the client's own event loop. The wire's own parse and any wait for the relay's busy event loop before it reads the bytes are not in it: the relay's event-loop delay (p99 over the steady state) bounds that wait.",
          `The CPU budget: one core relays ${format(offeredPerSecond)} chunks/s only at ${format(1e6 / offeredPerSecond)} µs of CPU per chunk or less (reading, parsing, recording, framing and writing it); the relay measured ${format(fastPerChunk)} µs per chunk on the fast wire and ${format(sdkPerChunk)} µs on the SDK wire, and a relay that only pipes the emulator's bytes through (node:http both ways, no parse, no framing: the floor of any relay process) ${format(pipePerChunk)} µs.`,
          'Memory per stream: RSS and heap used at the end of the steady state, less a baseline taken after a collection before the load, divided by the streams open; the heap includes garbage not yet collected and, per stream, the replay log serveSSE keeps of every event.',
          `Whether the emulator keeps up: its CPU is read from /proc over the steady state, and "chunks delivered / offered" compares the chunks the client received over the steady state with ${format(offeredPerSecond)} per second; a share well under 1 means the emulator, the relay or the client fell behind (their CPU says which). The emulator paces each stream with a timer per token, so its own share stays under 1 by the timers' lateness: the same load read from the emulator directly, with no relay, delivered ${share(DIRECT)} (the relay on the fast wire ${share(FAST)}, on the SDK wire ${share(SDK)}).`,
        ],
      };
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
