import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  conversationKey,
  createAgentSystem,
  createConversation,
  type PersistedConversation,
} from '@mistral-flows/agents';
import { createClient } from '@mistral-flows/core';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import { Findings, type ChaosRun } from './chaos-run.js';
import { childScript, spawnNode } from './node-child.js';
import { createRandom } from './random.js';

const PAIRS = 20;
const CONVERSATIONS = 100;
const MESSAGES = 6;
const model = 'mistral-small-latest';

type Message = { role: string; content: string };

async function storedMessages(store: SqliteStore, id: string): Promise<Message[]> {
  const entry = await store.get<PersistedConversation>(conversationKey(id));
  const snapshot = entry?.value.snapshot as { context: { messages: Message[] } } | undefined;
  return snapshot?.context.messages ?? [];
}

/**
 * Two ways one conversation gets more than one writer. Pairs of processes resume the same stored
 * conversation from one SQLite file and send to it at once (both read the store before either
 * writes): one turn must be kept and the other writer must get a typed conflict. Then an agent
 * system passivates its conversations every few milliseconds while they receive messages: every
 * message must get its answer and be in the store, and no send may hang.
 */
export const chaos: ChaosRun = {
  name: 'agents-writers',
  title: `${PAIRS} pairs of processes writing one conversation at once, and ${CONVERSATIONS} conversations passivated under load`,
  budgetMs: 4 * 60_000,
  async run(ctx) {
    const f = new Findings();
    const random = createRandom(ctx.seed + 5);
    const dir = mkdtempSync(join(tmpdir(), 'mf-chaos-agents-writers-'));
    const emulator = await ctx.startEmulator(['--ttft-ms', '5', '--token-ms', '0']);
    const client = createClient({ serverURL: emulator.url });
    const dbPath = join(dir, 'conversations.db');
    const store = new SqliteStore({ path: dbPath });
    try {
      // Two writers on one conversation.
      const script = childScript('agents-writer-child');
      let kept = 0;
      let conflicts = 0;
      for (let pair = 0; pair < PAIRS; pair++) {
        const id = `pair-${pair}`;
        const seed = createConversation({ client, model, store, id });
        await seed.send('Hello.');
        await seed.close();
        const writers = [0, 1].map((w) =>
          spawnNode(script, [emulator.url, dbPath, id, `Writer ${w} of pair ${pair}.`]),
        );
        const ready = await Promise.all(
          writers.map((w) => w.waitForLine((l) => l === 'ready', 30_000)),
        );
        if (ready.some((r) => r === undefined)) {
          f.failures.push(`${id}: a writer never read the store`);
          for (const w of writers) await w.kill();
          continue;
        }
        for (const w of writers) w.write('go');
        const lines = await Promise.all(
          writers.map((w) => w.waitForLine((l) => l.startsWith('{'), 30_000)),
        );
        for (const w of writers) await w.kill();
        if (lines.some((l) => l === undefined)) {
          f.failures.push(`${id}: a writer hung (no outcome within 30 s)`);
          continue;
        }
        const outcomes = lines.map((l) => JSON.parse(l!) as { ok: boolean; code?: string });
        const winners = outcomes.flatMap((o, i) => (o.ok ? [i] : []));
        const losers = outcomes.filter((o) => !o.ok);
        const messages = await storedMessages(store, id);
        if (winners.length !== 1 || losers[0]?.code !== 'conversation_conflict') {
          f.failures.push(`${id}: outcomes ${lines.join(' ')}; expected one turn and one conflict`);
          continue;
        }
        kept++;
        conflicts++;
        const expected = `Writer ${winners[0]} of pair ${pair}.`;
        f.check(
          messages.length === 4 && messages[2]?.content === expected,
          `${id}: stored ${messages.length} messages (${messages.map((m) => m.content.slice(0, 20)).join(' | ')}), expected the winner's turn`,
        );
      }

      // Passivation under load.
      let sends = 0;
      let hung = 0;
      const system = createAgentSystem({ client, model, store, idleMs: 1 });
      const sweeping = { on: true };
      const sweeper = (async () => {
        while (sweeping.on) {
          await system.passivateIdle();
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const failures: string[] = [];
      await Promise.all(
        Array.from({ length: CONVERSATIONS }, async (_, c) => {
          for (let m = 0; m < MESSAGES; m++) {
            await new Promise((resolve) => setTimeout(resolve, random.int(0, 15)));
            let timer: NodeJS.Timeout | undefined;
            const deadline = new Promise<'hung'>((resolve) => {
              timer = setTimeout(() => resolve('hung'), 30_000);
            });
            try {
              const turn = await Promise.race([
                system.send(`load-${c}`, `Conversation ${c}, message ${m}.`),
                deadline,
              ]);
              if (turn === 'hung') {
                hung++;
                failures.push(`load-${c} message ${m}: no answer within 30 s`);
                return;
              }
              sends++;
              if (turn.turn !== m + 1)
                failures.push(`load-${c}: turn ${turn.turn}, expected ${m + 1}`);
            } catch (error) {
              failures.push(`load-${c} message ${m}: ${String(error)}`);
              return;
            } finally {
              clearTimeout(timer);
            }
          }
        }),
      );
      sweeping.on = false;
      await sweeper;
      // Passivations by the loop above and by the system's own sweep.
      const passivations = system.stats().passivated;
      await system.close();
      let complete = 0;
      for (let c = 0; c < CONVERSATIONS; c++) {
        const contents = (await storedMessages(store, `load-${c}`)).map((m) => m.content);
        const users = contents.filter((_, i) => i % 2 === 0);
        const expected = Array.from(
          { length: MESSAGES },
          (_, m) => `Conversation ${c}, message ${m}.`,
        );
        if (contents.length === 2 * MESSAGES && users.join('|') === expected.join('|')) complete++;
        else
          failures.push(
            `load-${c}: stored ${contents.length} messages, not the ${2 * MESSAGES} sent and answered in order`,
          );
      }
      f.checkAll(failures, 'problems under passivation');

      f.tried.push(
        `${PAIRS} conversations, each resumed by two processes from one SQLite file at the same time (both read the stored record before either writes) and sent a message by each`,
        `an agent system (one SQLite file, idleMs 1 ms) with ${CONVERSATIONS} conversations receiving ${MESSAGES} messages each at random 0-15 ms intervals, while passivateIdle() runs back to back`,
      );
      f.survived.push(
        `${kept} of ${PAIRS} pairs kept exactly one writer's turn in the store; ${conflicts} second writers got conversation_conflict instead of overwriting it`,
        `${sends} of ${CONVERSATIONS * MESSAGES} messages answered (${hung} hung); ${complete} of ${CONVERSATIONS} stored histories hold every message and answer in order; ${passivations} passivations during the load`,
      );
      Object.assign(f.facts, {
        pairs: PAIRS,
        kept,
        conflicts,
        sends,
        hung,
        complete,
        passivations,
      });
      return { name: 'agents-writers', title: this.title, seed: ctx.seed + 5, ...f };
    } finally {
      await store.close();
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
