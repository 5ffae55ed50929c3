import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createConversation } from '@mistral-flows/agents';
import { mapConcurrent, MemoryStore } from '@mistral-flows/core';
import { Mistral } from '@mistralai/mistralai';
import { assign, createActor, fromCallback, setup, type EventObject } from 'xstate';
import { alternate, cpuMs, format, measurement, medianRatio, type Benchmark } from '../harness.js';

const CONVERSATIONS = 50;
const TURNS_EACH = 10;
/**
 * One 500-turn loop takes well under a second, and on a shared 2-core machine consecutive loops
 * of the same code spread by +-20%: each round alternates the two loops this many times, so that
 * the median ratio rests on three times as many pairs while the memory probe keeps its rounds.
 */
const LOOPS_PER_ROUND = 3;
const IDLE = 10_000;
const run = promisify(execFile);

type Message = { role: 'user' | 'assistant'; content: string };

/**
 * The least a conversation actor can be: one XState machine per conversation with one invoked
 * `agents.complete` call per turn, aborted only if it is still running, nothing persisted, no
 * events, no tools. It is what the agents package's design costs before anything the package
 * adds, and so the floor for createConversation's ratio.
 */
function minimalConversationMachine(client: Mistral, agentId: string) {
  return setup({
    types: {
      context: {} as { messages: Message[] },
      events: {} as { type: 'send'; text: string } | { type: 'answer'; text: string },
    },
    actors: {
      complete: fromCallback<EventObject, { messages: Message[] }>(({ input, sendBack }) => {
        const controller = new AbortController();
        let running = true;
        void client.agents
          .complete({ agentId, messages: input.messages }, { signal: controller.signal })
          .then((res) => {
            running = false;
            const content = res.choices[0]?.message?.content;
            sendBack({ type: 'answer', text: typeof content === 'string' ? content : '' });
          })
          .catch((error: unknown) => {
            // A failed call fails the benchmark run, as it would in the bare loop.
            queueMicrotask(() => {
              throw error;
            });
          });
        return () => {
          if (running) controller.abort();
        };
      }),
    },
  }).createMachine({
    context: { messages: [] },
    initial: 'idle',
    states: {
      idle: {
        on: {
          send: {
            target: 'responding',
            actions: assign(({ context, event }) => ({
              messages: [...context.messages, { role: 'user' as const, content: event.text }],
            })),
          },
        },
      },
      responding: {
        invoke: { src: 'complete', input: ({ context }) => ({ messages: context.messages }) },
        on: {
          answer: {
            target: 'idle',
            actions: assign(({ context, event }) => ({
              messages: [...context.messages, { role: 'assistant' as const, content: event.text }],
            })),
          },
        },
      },
    },
  });
}

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
      const BARE = 'bare agents.complete loop';
      const MINIMAL = 'minimal XState machine';
      const OURS = 'createConversation';
      // Each loop runs one worker per conversation and reports its wall time; its client CPU time
      // is kept too, since the loops are CPU-bound (the emulator runs in its own process).
      const cpu: Record<string, number[]> = {};
      const loop = (name: string, conversation: (w: number) => Promise<void>) => async () => {
        const cpuBefore = cpuMs();
        const started = performance.now();
        await mapConcurrent(workers, conversation, { concurrency: CONVERSATIONS });
        const wall = performance.now() - started;
        (cpu[name] ??= []).push(cpuMs() - cpuBefore);
        return wall;
      };
      const bare = loop(BARE, async (w) => {
        const messages: Message[] = [];
        for (let t = 0; t < TURNS_EACH; t++) {
          messages.push({ role: 'user', content: `Question ${t} from ${w}.` });
          const res = await client.agents.complete({ agentId: agent.id, messages });
          const content = res.choices[0]?.message?.content;
          messages.push({ role: 'assistant', content: typeof content === 'string' ? content : '' });
        }
      });
      const minimalMachine = minimalConversationMachine(client, agent.id);
      const minimal = loop(MINIMAL, async (w) => {
        const actor = createActor(minimalMachine).start();
        for (let t = 0; t < TURNS_EACH; t++) {
          await new Promise<void>((resolve) => {
            const subscription = actor.subscribe((snapshot) => {
              if (!snapshot.matches('idle')) return;
              subscription.unsubscribe();
              resolve();
            });
            actor.send({ type: 'send', text: `Question ${t} from ${w}.` });
          });
        }
        actor.stop();
      });
      const ours = loop(OURS, async (w) => {
        // A store of its own per conversation: each writes only its own key anyway.
        const chat = createConversation({ client, agentId: agent.id, store: new MemoryStore() });
        for (let t = 0; t < TURNS_EACH; t++) await chat.send(`Question ${t} from ${w}.`);
        await chat.close();
      });
      const warmup = ctx.warmup * LOOPS_PER_ROUND;
      const wall = await alternate(
        { [BARE]: bare, [MINIMAL]: minimal, [OURS]: ours },
        { rounds: ctx.rounds * LOOPS_PER_ROUND, warmup, log: ctx.log },
      );
      const wallOf = (name: string) => wall[name]!;
      const cpuOf = (name: string) => cpu[name]!.slice(warmup);
      const ratio = medianRatio(wallOf(OURS), wallOf(BARE));
      const cpuRatio = medianRatio(cpuOf(OURS), cpuOf(BARE));
      const minimalRatio = medianRatio(wallOf(MINIMAL), wallOf(BARE));
      const minimalCpuRatio = medianRatio(cpuOf(MINIMAL), cpuOf(BARE));

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
          ...[BARE, MINIMAL, OURS].map((name) =>
            measurement(name, 'wall time of 500 turns', 'ms', wallOf(name)),
          ),
          ...[BARE, MINIMAL, OURS].map((name) =>
            measurement(name, 'client CPU time of 500 turns', 'ms', cpuOf(name)),
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
          `The 500-turn loops alternate ${LOOPS_PER_ROUND} times per round (${wallOf(OURS).length} samples each). Median ratio of client CPU time, createConversation / bare loop: ${format(cpuRatio)} (not a goal: what the wall time is made of).`,
          `The floor of the design: a minimal XState machine per conversation (one invoked agents.complete per turn, nothing persisted, no events) / bare loop: wall ${format(minimalRatio)}, client CPU ${format(minimalCpuRatio)}. createConversation / minimal machine, wall: ${format(medianRatio(wallOf(OURS), wallOf(MINIMAL)))}.`,
          `Idle memory: ${IDLE.toLocaleString('en-US')} conversations spawned as children of one agent system, measured with --expose-gc in a fresh process (resident: ${memory[0]?.resident ?? '?'}).`,
        ],
      };
    } finally {
      await emulator.close();
    }
  },
};
