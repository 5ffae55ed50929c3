import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConversation, defineTool } from '@mistral-flows/agents';
import { createClient, MemoryStore, type ChatEvents } from '@mistral-flows/core';
import { createTelemetry, type Telemetry } from '@mistral-flows/otel';
import { chatStream, EventBus, toBus } from '@mistral-flows/stream';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { alternate, cpuMs, format, measurement, medianRatio, type Benchmark } from '../harness.js';

const STREAMS_PER_ROUND = 10;
const WORDS = 800;
const TURNS_PER_ROUND = 150;
const model = 'mistral-small-latest';

/** An exporter that drops what it gets: the cost measured is the instrumentation's and the SDK's. */
class DiscardingExporter implements SpanExporter {
  spans = 0;
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.spans += spans.length;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** A reader that is never collected: the histograms aggregate in memory, as between exports. */
class IdleReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export const benchmark: Benchmark = {
  name: 'otel',
  title: `Tracing cost of @mistral-flows/otel (content capture off): CPU per streamed chunk (${STREAMS_PER_ROUND} streams of ~${WORDS} chunks) and per agent turn with a tool call (${TURNS_PER_ROUND} turns), on against off`,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-otel-'));
    const text = Array.from({ length: WORDS }, (_, i) => `word${i % 97}`).join(' ');
    const scenarios = join(dir, 'scenarios.json');
    writeFileSync(
      scenarios,
      JSON.stringify({
        rules: [
          { match: { lastUserMessage: 'benchmark story' }, text },
          {
            match: { lastUserMessage: 'bench turn', step: 1 },
            toolCalls: [{ name: 'lookup', arguments: { id: 'A-1' } }],
          },
        ],
      }),
    );
    const emulator = await ctx.startEmulator(['--scenarios', scenarios, '--ttft-ms', '0']);
    const exporter = new DiscardingExporter();
    const tracerProvider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
    try {
      const client = createClient({ serverURL: emulator.url });
      const telemetry: Telemetry = createTelemetry({ tracerProvider, meterProvider });
      const messages = [{ role: 'user' as const, content: 'Tell the long benchmark story.' }];

      // Streams: both publish on a bus with toBus; with tracing, the telemetry listens to it.
      let chunksPerStream = 0;
      const stream = (bus: EventBus<ChatEvents>) => async () => {
        await lastValueFrom(toBus(chatStream(client, { model, messages }), bus, 'bench'));
      };
      const plainBus = new EventBus<ChatEvents>();
      const tracedBus = new EventBus<ChatEvents>();
      telemetry.observe(tracedBus);
      const countChunks = async () => {
        const bus = new EventBus<ChatEvents>();
        let chunks = 0;
        const stop = bus.on('chat:chunk', () => chunks++);
        await lastValueFrom(toBus(chatStream(client, { model, messages }), bus, 'count'));
        stop();
        chunksPerStream = chunks;
      };
      await countChunks();
      const perChunk = (fn: () => Promise<void>) => async () => {
        const start = cpuMs();
        for (let i = 0; i < STREAMS_PER_ROUND; i++) await fn();
        const used = cpuMs() - start;
        return (used * 1000) / (STREAMS_PER_ROUND * Math.max(1, chunksPerStream));
      };
      const STREAM_OFF = 'chatStream + toBus, tracing off';
      const STREAM_ON = 'chatStream + toBus, tracing on';
      const streamSamples = await alternate(
        {
          [STREAM_OFF]: perChunk(stream(plainBus)),
          [STREAM_ON]: perChunk(stream(tracedBus)),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );

      // Turns: the same conversation with a tool call per turn, streamed either way (with an
      // `inspect`, `streaming: 'auto'` would stream only the traced one).
      const lookup = defineTool({
        name: 'lookup',
        description: 'Look a record up',
        parameters: z.object({ id: z.string() }),
        execute: ({ id }) => `record ${id}: ok`,
      });
      // The time spent inside the inspection handler itself, which the alternating rounds' noise
      // cannot hide: it is timed call by call in the traced rounds.
      let inspectMs = 0;
      let inspectCalls = 0;
      let tracedTurns = 0;
      const timedInspect: Telemetry['inspect'] = (event) => {
        const start = performance.now();
        telemetry.inspect(event);
        inspectMs += performance.now() - start;
        inspectCalls++;
      };
      const turns = (traced: boolean) => async () => {
        if (traced) tracedTurns += TURNS_PER_ROUND;
        const chat = createConversation({
          client,
          model,
          tools: [lookup],
          store: new MemoryStore(),
          streaming: true,
          ...(traced ? { inspect: timedInspect } : {}),
        });
        const start = cpuMs();
        for (let t = 0; t < TURNS_PER_ROUND; t++) await chat.send(`bench turn ${t}`);
        const used = cpuMs() - start;
        await chat.close();
        return used / TURNS_PER_ROUND;
      };
      const TURN_OFF = 'createConversation turn, tracing off';
      const TURN_ON = 'createConversation turn, tracing on';
      const turnSamples = await alternate(
        { [TURN_OFF]: turns(false), [TURN_ON]: turns(true) },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      await tracerProvider.forceFlush();

      const streamRatio = medianRatio(streamSamples[STREAM_ON]!, streamSamples[STREAM_OFF]!);
      const turnRatio = medianRatio(turnSamples[TURN_ON]!, turnSamples[TURN_OFF]!);
      const inspectPerTurn = inspectMs / Math.max(1, tracedTurns);
      const offMedian = measurement(TURN_OFF, '', 'ms', turnSamples[TURN_OFF]!).median;
      return {
        name: 'otel',
        title: this.title,
        measurements: [
          ...Object.entries(streamSamples).map(([name, values]) =>
            measurement(name, 'CPU per chunk', 'µs', values),
          ),
          ...Object.entries(turnSamples).map(([name, values]) =>
            measurement(name, 'CPU per turn (2 model calls, 1 tool call)', 'ms', values),
          ),
        ],
        goals: [
          {
            name: 'stream CPU per chunk, tracing on / off',
            target: '<= 1.05',
            actual: format(streamRatio),
            met: streamRatio <= 1.05,
          },
          {
            name: 'agent turn CPU, tracing on / off',
            target: '<= 1.05',
            actual: format(turnRatio),
            met: turnRatio <= 1.05,
          },
        ],
        notes: [
          `Tracing on: the OpenTelemetry SDK's BasicTracerProvider with a BatchSpanProcessor (spans ` +
            `dropped by the exporter, ${exporter.spans} in all) and a MeterProvider whose histograms ` +
            `aggregate in memory; content capture off. ${chunksPerStream} text chunks per stream; ` +
            'rounds alternate on and off; the emulator runs in a child process, so only the client ' +
            'side is counted.',
          `Time inside the inspection handler (spans started and ended, attributes, metrics; the ` +
            `export runs later in the BatchSpanProcessor): ${format(inspectPerTurn * 1000)} µs per ` +
            `turn over ${format(inspectCalls / Math.max(1, tracedTurns))} inspection events, ` +
            `${format((100 * inspectPerTurn) / offMedian)}% of the median untraced turn.`,
        ],
      };
    } finally {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
