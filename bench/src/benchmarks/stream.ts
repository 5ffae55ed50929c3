import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMistral } from '@ai-sdk/mistral';
import { ChatMistralAI } from '@langchain/mistralai';
import { chatStream } from '@mistral-flows/stream';
import { Mistral } from '@mistralai/mistralai';
import { streamText } from 'ai';
import { lastValueFrom } from 'rxjs';
import { alternate, cpuMs, format, measurement, medianRatio, type Benchmark } from '../harness.js';

const STREAMS_PER_ROUND = 10;
const WORDS = 800;
const model = 'mistral-small-latest';
const prompt = 'Tell the long benchmark story.';

export const benchmark: Benchmark = {
  name: 'stream',
  title: `CPU per streamed chunk consumed to completion (${STREAMS_PER_ROUND} streams of ~${WORDS} chunks per round)`,
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'mf-bench-stream-'));
    const text = Array.from({ length: WORDS }, (_, i) => `word${i % 97}`).join(' ');
    const scenarios = join(dir, 'scenarios.json');
    writeFileSync(
      scenarios,
      JSON.stringify({ rules: [{ match: { lastUserMessage: 'benchmark story' }, text }] }),
    );
    const emulator = await ctx.startEmulator(['--scenarios', scenarios]);
    try {
      const client = new Mistral({ serverURL: emulator.url });
      const vercel = createMistral({ baseURL: `${emulator.url}/v1`, apiKey: 'bench' });
      const langchain = new ChatMistralAI({
        model,
        apiKey: 'bench',
        serverURL: emulator.url,
        streaming: true,
      });
      const messages = [{ role: 'user' as const, content: prompt }];

      let chunksPerStream = 0;
      const bare = async () => {
        let chunks = 0;
        const stream = await client.chat.stream({ model, messages });
        for await (const event of stream) {
          if (event.data.choices[0]?.delta.content) chunks++;
        }
        chunksPerStream = chunks;
      };
      const ours = async () => {
        await lastValueFrom(chatStream(client, { model, messages }));
      };
      const aiSdk = async () => {
        const result = streamText({ model: vercel(model), prompt });
        for await (const part of result.textStream) void part;
      };
      const lc = async () => {
        const stream = await langchain.stream(prompt);
        for await (const chunk of stream) void chunk;
      };
      const perChunk = (fn: () => Promise<void>) => async () => {
        const start = cpuMs();
        for (let i = 0; i < STREAMS_PER_ROUND; i++) await fn();
        const used = cpuMs() - start;
        return (used * 1000) / (STREAMS_PER_ROUND * Math.max(1, chunksPerStream));
      };
      await bare();
      const samples = await alternate(
        {
          'bare for await over client.chat.stream': perChunk(bare),
          'chatStream (@mistral-flows/stream)': perChunk(ours),
          'Vercel AI SDK streamText (@ai-sdk/mistral)': perChunk(aiSdk),
          'LangChain ChatMistralAI.stream': perChunk(lc),
        },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      const base = samples['bare for await over client.chat.stream']!;
      const ratio = (name: string) => medianRatio(samples[name]!, base);
      const oursRatio = ratio('chatStream (@mistral-flows/stream)');
      return {
        name: 'stream',
        title: this.title,
        measurements: Object.entries(samples).map(([name, values]) =>
          measurement(name, 'CPU per chunk', 'µs', values),
        ),
        goals: [
          {
            name: 'chatStream CPU per chunk / bare loop',
            target: '<= 1.10',
            actual: format(oursRatio),
            met: oursRatio <= 1.1,
          },
        ],
        notes: [
          `Ratios to the bare loop (median of per-round ratios): chatStream ${format(oursRatio)}, ` +
            `Vercel AI SDK ${format(ratio('Vercel AI SDK streamText (@ai-sdk/mistral)'))}, ` +
            `LangChain ${format(ratio('LangChain ChatMistralAI.stream'))}. ${chunksPerStream} text chunks per stream; ` +
            'the emulator runs in a child process, so only the client side is counted.',
        ],
      };
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
