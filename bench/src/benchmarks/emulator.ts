import { format, measurement, median, type Benchmark } from '../harness.js';
import { load } from './emulator-load.js';

const CONNECTIONS = 64;
const SECONDS = 5;
const model = 'mistral-small-latest';
const prompt = 'Tell me about the history of lighthouses, their keepers and the lenses they used';

function chatBody(stream: boolean): string {
  return JSON.stringify({ model, stream, messages: [{ role: 'user', content: prompt }] });
}

/** Prompt sizes for the prompt-analysis line, in bytes: 100 KB to 10 MB (the body limit is 10 MiB). */
const PROMPT_SIZES = [100_000, 300_000, 1_000_000, 3_000_000, 10_000_000];

/** A prompt of `bytes` that mixes quoted phrases and numbers, the mix the scripted model reads. */
function largePrompt(bytes: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const part = `Item "phrase ${i}" costs ${i * 3} units and 'note ${i}' weighs ${i}.5 kg. `;
    parts.push(part);
    length += part.length;
  }
  return parts.join('').slice(0, bytes);
}

/** Milliseconds for one non-streamed completion of `prompt`, request to last byte. */
async function completionMs(url: string, prompt: string): Promise<number> {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: prompt }] });
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await res.text();
  if (!res.ok) throw new Error(`a ${prompt.length}-byte prompt got HTTP ${res.status}`);
  return performance.now() - t0;
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
      // Time per MB of prompt, from 100 KB to 10 MB: flat when the analysis is linear.
      const perMb = new Map<number, number[]>(PROMPT_SIZES.map((size) => [size, []]));
      for (let round = 0; round < ctx.warmup + ctx.rounds; round++) {
        for (const size of PROMPT_SIZES) {
          const ms = await completionMs(emulator.url, largePrompt(size));
          if (round >= ctx.warmup) perMb.get(size)!.push(ms / (size / 1_000_000));
        }
      }
      const mbLabel = (size: number) => `${size / 1_000_000} MB`;
      ctx.log(
        `  prompt analysis: ${PROMPT_SIZES.map((size) => `${mbLabel(size)} ${format(median(perMb.get(size)!))} ms/MB`).join(', ')}`,
      );
      const growth = median(perMb.get(10_000_000)!) / median(perMb.get(1_000_000)!);
      return {
        name: 'emulator',
        title: this.title,
        measurements: [
          measurement('emulator', 'non-streaming completions', 'per s', completions),
          measurement('emulator', 'streamed chunks', 'per s', chunks),
          ...PROMPT_SIZES.map((size) =>
            measurement(
              'emulator',
              `completion of a ${mbLabel(size)} prompt`,
              'ms per MB',
              perMb.get(size)!,
            ),
          ),
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
          {
            name: 'prompt analysis stays linear: ms per MB at 10 MB / at 1 MB (a quadratic step gives ~10)',
            target: '<= 2',
            actual: format(growth),
            met: growth <= 2,
          },
        ],
        notes: [
          `Each streamed answer has ${frames} data frames (role chunk, content chunks, final chunk; [DONE] not counted). ` +
            'autocannon runs in the benchmark process and the emulator in a child process, on the same machine.',
          `Prompt analysis: one non-streamed completion per size and round, of a prompt mixing quoted phrases and numbers (the mix that was once quadratic), timed from request to last byte and divided by the prompt's size: ${PROMPT_SIZES.map((size) => `${mbLabel(size)} ${format(median(perMb.get(size)!))}`).join(', ')} ms per MB.`,
        ],
      };
    } finally {
      await emulator.close();
    }
  },
};
