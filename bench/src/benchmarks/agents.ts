import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createConversation } from '@mistral-flows/agents';
import { mapConcurrent, MemoryStore } from '@mistral-flows/core';
import { Mistral } from '@mistralai/mistralai';
import { alternate, format, measurement, medianRatio, type Benchmark } from '../harness.js';

const CONVERSATIONS = 50;
const TURNS_EACH = 10;
const IDLE = 10_000;
const run = promisify(execFile);

export const benchmark: Benchmark = {
  name: 'agents',
  title: `Agents: ${CONVERSATIONS * TURNS_EACH} turns at concurrency ${CONVERSATIONS} (emulator latency 50 ms) and memory of ${IDLE.toLocaleString('en-US')} idle conversations`,
  async run(ctx) {
    const emulator = await ctx.startEmulator(['--ttft-ms', '50']);
    try {
      const client = new Mistral({ serverURL: emulator.url });
      const agent = await client.beta.agents.create({
        name: 'Bench agent',
        model: 'mistral-small-latest',
      });
      const workers = Array.from({ length: CONVERSATIONS }, (_, i) => i);
      const bare = async () => {
        const started = performance.now();
        await mapConcurrent(
          workers,
          async (w) => {
            const messages: Array<{ role: 'user' | 'assistant'; content: string }> = [];
            for (let t = 0; t < TURNS_EACH; t++) {
              messages.push({ role: 'user', content: `Question ${t} from ${w}.` });
              const res = await client.agents.complete({ agentId: agent.id, messages });
              const content = res.choices[0]?.message?.content;
              messages.push({
                role: 'assistant',
                content: typeof content === 'string' ? content : '',
              });
            }
          },
          { concurrency: CONVERSATIONS },
        );
        return performance.now() - started;
      };
      const ours = async () => {
        const started = performance.now();
        const store = new MemoryStore();
        await mapConcurrent(
          workers,
          async (w) => {
            const chat = createConversation({ client, agentId: agent.id, store });
            for (let t = 0; t < TURNS_EACH; t++) await chat.send(`Question ${t} from ${w}.`);
            await chat.close();
          },
          { concurrency: CONVERSATIONS },
        );
        return performance.now() - started;
      };
      const samples = await alternate(
        { 'bare agents.complete loop': bare, createConversation: ours },
        { rounds: ctx.rounds, warmup: ctx.warmup, log: ctx.log },
      );
      const ratio = medianRatio(samples.createConversation!, samples['bare agents.complete loop']!);

      ctx.log(`  idle memory: ${IDLE} conversations in a child process ...`);
      const probe = fileURLToPath(new URL('../probes/agents-idle-memory.js', import.meta.url));
      const memory: Array<{
        heapPerConversation: number;
        rssPerConversation: number;
        resident: number;
      }> = [];
      for (let i = 0; i < Math.min(3, ctx.rounds); i++) {
        const { stdout } = await run(process.execPath, ['--expose-gc', probe, String(IDLE)]);
        memory.push(JSON.parse(stdout.trim().split('\n').pop()!) as (typeof memory)[number]);
      }
      const heapKb = memory.map((m) => m.heapPerConversation / 1024);
      const rssKb = memory.map((m) => m.rssPerConversation / 1024);
      return {
        name: 'agents',
        title: this.title,
        measurements: [
          measurement(
            'bare agents.complete loop',
            'wall time of 500 turns',
            'ms',
            samples['bare agents.complete loop']!,
          ),
          measurement(
            'createConversation',
            'wall time of 500 turns',
            'ms',
            samples.createConversation!,
          ),
          measurement('idle conversation (heap)', 'memory per conversation', 'KB', heapKb),
          measurement('idle conversation (RSS)', 'memory per conversation', 'KB', rssKb),
        ],
        goals: [
          {
            name: 'createConversation / bare loop, wall time',
            target: '<= 1.05',
            actual: format(ratio),
            met: ratio <= 1.05,
          },
          {
            name: 'heap per idle resident conversation (empty history)',
            target: '<= 5 KB',
            actual: `${heapKb.map((k) => format(k)).join(', ')} KB`,
            met: heapKb.every((k) => k <= 5),
          },
        ],
        notes: [
          'createConversation sends each turn through the conversation machine (with nothing watching the text arrive, a send turn makes one agents.complete request) and persists every settled step to a MemoryStore; the bare loop calls agents.complete.',
          `Idle memory: ${IDLE.toLocaleString('en-US')} conversations spawned as children of one agent system, measured with --expose-gc in a fresh process (resident: ${memory[0]?.resident ?? '?'}).`,
        ],
      };
    } finally {
      await emulator.close();
    }
  },
};
