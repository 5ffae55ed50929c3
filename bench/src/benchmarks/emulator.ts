import { format, measurement, median, type Benchmark } from '../harness.js';
import { load } from './emulator-load.js';

const CONNECTIONS = 64;
const SECONDS = 5;
const model = 'mistral-small-latest';
const prompt = 'Tell me about the history of lighthouses, their keepers and the lenses they used';

function chatBody(stream: boolean): string {
  return JSON.stringify({ model, stream, messages: [{ role: 'user', content: prompt }] });
}

/** Data frames (chunks) of one streamed answer, `[DONE]` excluded. */
async function chunksPerStream(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatBody(true),
  });
  const text = await res.text();
  return text.split('\n\n').filter((frame) => frame.startsWith('data: {')).length;
}

export const benchmark: Benchmark = {
  name: 'emulator',
  title: `Emulator throughput with latency 0 (autocannon, ${CONNECTIONS} connections, ${SECONDS} s per round, emulator in its own process)`,
  async run(ctx) {
    const emulator = await ctx.startEmulator([]);
    try {
      const url = `${emulator.url}/v1/chat/completions`;
      const headers = { 'content-type': 'application/json' };
      const frames = await chunksPerStream(emulator.url);
      const completions: number[] = [];
      const chunks: number[] = [];
      for (let round = 0; round < ctx.warmup + ctx.rounds; round++) {
        const label = round < ctx.warmup ? 'warm-up' : `round ${round - ctx.warmup + 1}`;
        const plain = await load({
          url,
          method: 'POST',
          headers,
          body: chatBody(false),
          connections: CONNECTIONS,
          duration: SECONDS,
        });
        const streamed = await load({
          url,
          method: 'POST',
          headers,
          body: chatBody(true),
          connections: CONNECTIONS,
          duration: SECONDS,
        });
        const perSecond = plain.requests.total / plain.duration;
        const chunksPerSecond = (streamed.requests.total / streamed.duration) * frames;
        ctx.log(
          `  ${label}: ${format(perSecond)} completions/s, ${format(chunksPerSecond)} streamed chunks/s`,
        );
        if (round >= ctx.warmup) {
          completions.push(perSecond);
          chunks.push(chunksPerSecond);
        }
      }
      const completionsMedian = median(completions);
      const chunksMedian = median(chunks);
      return {
        name: 'emulator',
        title: this.title,
        measurements: [
          measurement('emulator', 'non-streaming completions', 'per s', completions),
          measurement('emulator', 'streamed chunks', 'per s', chunks),
        ],
        goals: [
          {
            name: 'non-streaming completions/s (latency 0)',
            target: '>= 5,000',
            actual: format(completionsMedian),
            met: completionsMedian >= 5000,
          },
          {
            name: 'streamed chunks/s (latency 0)',
            target: '>= 200,000',
            actual: format(chunksMedian),
            met: chunksMedian >= 200_000,
          },
        ],
        notes: [
          `Each streamed answer has ${frames} data frames (role chunk, content chunks, final chunk; [DONE] not counted). ` +
            'autocannon runs in the benchmark process and the emulator in a child process, on the same machine.',
        ],
      };
    } finally {
      await emulator.close();
    }
  },
};
