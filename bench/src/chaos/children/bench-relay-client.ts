// The SSE client of the relay benchmark, in a process of its own: opens <streams> requests to
// the relay, started evenly over <ramp ms>, each on its own connection, reads every event and
// timestamps it when its bytes arrive (the wall clock, `performance.timeOrigin +
// performance.now()`, as the relay's `relayAt` stamp). The delay the relay added to an event is
// that time minus its `relayAt`.
//
// With `direct` as a fourth argument it reads the emulator itself instead (<url> is then the
// emulator's chat completions URL): the same load without a relay, whose frames carry no stamp.
//
// argv: <url> <streams> <ramp ms> [direct]. Prints `ramped` once the last request has left,
// `open` once every stream has been answered (all open in the relay), `first-end` when the first
// stream ends, and `done <json>` with the figures of the steady state, then exits. The steady
// state runs from `open` to `first-end`; when the first stream ends before every stream has been
// answered (the relay has fallen behind), from `ramped` to `first-end`, and the report says how
// many streams had been answered.
import { get, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { percentile } from '../../harness.js';

/** The p50, p99 and max of a set of delays (ms), and how many there are. */
export interface DelaySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

const [url, streamsArg, rampArg, mode] = process.argv.slice(2) as [string, string, string, string?];
const direct = mode === 'direct';
/** Frames as the emulator writes them: read directly, or forwarded by the piping relay. */
const rawFrames = direct || mode === 'piped';
const directBody = JSON.stringify({
  model: 'mistral-small-latest',
  stream: true,
  messages: [{ role: 'user', content: 'Tell the relay benchmark story.' }],
});
const streams = Number(streamsArg);
const rampMs = Number(rampArg);
const origin = performance.timeOrigin;
const now = () => origin + performance.now();

/** Growable list of numbers. */
class Column {
  values = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

function summary(delays: Float64Array): DelaySummary {
  const sorted = delays.sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: percentile(sorted, 100),
  };
}

/** Every chunk: when its bytes arrived, and the delay the relay added (NaN with no relay). */
const arrivals = new Column();
const delays = new Column();
let answered = 0;
let answeredAtEnd = 0;
let finished = 0;
let completed = 0;
const failures: string[] = [];
let rampedAt: number | undefined;
let openAt: number | undefined;
let firstEndAt: number | undefined;
let cpuAtRamped: NodeJS.CpuUsage | undefined;
let cpuAtOpen: NodeJS.CpuUsage | undefined;
let cpuAtEnd: NodeJS.CpuUsage | undefined;

const MARK = '"relayAt":';

/** One stream: its request, its events, and its end (counted once, however it ends). */
function open(): void {
  let buffer = '';
  let ended = false;
  const end = (failure?: string) => {
    if (ended) return;
    ended = true;
    if (failure === undefined) completed++;
    else if (failures.length < 5) failures.push(failure);
    if (firstEndAt === undefined) {
      firstEndAt = now();
      cpuAtEnd = process.cpuUsage();
      answeredAtEnd = answered;
      process.stdout.write('first-end\n');
    }
    if (++finished === streams) report();
  };
  const onData = (text: string) => {
    const at = now();
    buffer += text;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const mark = rawFrames ? -1 : frame.lastIndexOf(MARK);
      if (rawFrames ? frame.startsWith('data: {') : mark >= 0) {
        arrivals.push(at);
        delays.push(rawFrames ? NaN : at - parseFloat(frame.slice(mark + MARK.length)));
      } else if (rawFrames ? frame.startsWith('data: [DONE]') : frame.includes('event: end')) {
        end();
      } else if (frame.includes('event: error')) {
        end(`error event: ${frame}`);
      }
    }
  };
  const onResponse = (res: IncomingMessage) => {
    if (res.statusCode !== 200) {
      res.resume();
      end(`status ${res.statusCode}`);
      return;
    }
    if (++answered === streams && firstEndAt === undefined) {
      openAt = now();
      cpuAtOpen = process.cpuUsage();
      process.stdout.write('open\n');
    }
    res.setEncoding('utf8');
    res.on('data', onData);
    res.on('close', () => end('closed before its end event'));
    res.on('error', (error) => end(error.message));
  };
  let req: ClientRequest;
  if (direct) {
    const headers = { 'content-type': 'application/json', authorization: 'Bearer bench' };
    req = request(url, { method: 'POST', agent: false, headers }, onResponse);
    req.end(directBody);
  } else {
    req = get(url, { agent: false }, onResponse);
  }
  req.on('error', (error) => end(error.message));
}

function report(): void {
  const start = openAt ?? rampedAt;
  const cpuStart = openAt !== undefined ? cpuAtOpen : cpuAtRamped;
  const steadyState = start !== undefined && firstEndAt !== undefined && start < firstEndAt;
  const windowMs = steadyState ? firstEndAt! - start : 0;
  const cpuMs = steadyState
    ? (cpuAtEnd!.user + cpuAtEnd!.system - cpuStart!.user - cpuStart!.system) / 1000
    : 0;
  const steady = new Column();
  let steadyChunks = 0;
  for (let i = 0; i < arrivals.length; i++) {
    const at = arrivals.values[i]!;
    if (!steadyState || at < start || at > firstEndAt!) continue;
    steadyChunks++;
    if (!direct) steady.push(delays.values[i]!);
  }
  const result = {
    streams,
    completed,
    failed: streams - completed,
    failures,
    steadyState,
    /** Streams answered when the first one ended: all of them unless the relay fell behind. */
    answeredAtEnd,
    windowMs,
    steadyChunks,
    clientCores: windowMs > 0 ? cpuMs / windowMs : NaN,
    steady: summary(steady.values.subarray(0, steady.length)),
    all: summary(direct ? new Float64Array(0) : delays.values.subarray(0, delays.length)),
  };
  process.stdout.write(`done ${JSON.stringify(result)}\n`, () => process.exit(0));
}

// Requests leave evenly over the ramp, so that the relay is not asked for every stream at once.
for (let i = 0; i < streams; i++) {
  setTimeout(
    () => {
      open();
      if (i === streams - 1) {
        rampedAt = now();
        cpuAtRamped = process.cpuUsage();
        process.stdout.write('ramped\n');
      }
    },
    (i * rampMs) / streams,
  );
}
