import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@mistral-flows/core/sqlite';
import {
  judgeConversation,
  killPoint,
  storedResults,
  type Execution,
  type StoredConversation,
} from './agents-bookkeeping.js';
import { Findings, emulatorStats, type ChaosRun } from './chaos-run.js';
import { childScript, spawnNode, type NodeChild } from './node-child.js';
import { createRandom } from './random.js';

const CONVERSATIONS = 50;
const PARALLEL = 4;
const MAX_TRIES = 4;
const PROMPT = 'Run the audit on "service-x".';
const FINAL_TEXT =
  'The audit found nothing alarming in db, api or keys; all three checks passed without findings.';

/** Two parallel tool calls, then one more, then the answer: a multi-step turn to cut. */
const scenarios = {
  rules: [
    {
      match: { lastUserMessage: 'Run the audit', step: 1 },
      toolCalls: [
        { name: 'audit_a', arguments: { target: 'db' } },
        { name: 'audit_b', arguments: { target: 'api' } },
      ],
    },
    {
      match: { lastUserMessage: 'Run the audit', step: 2 },
      toolCalls: [{ name: 'audit_c', arguments: { target: 'keys' } }],
    },
    { match: { lastUserMessage: 'Run the audit', step: 3 }, text: FINAL_TEXT },
  ],
};

async function stored(dbPath: string, id: string): Promise<StoredConversation | undefined> {
  if (!existsSync(dbPath)) return undefined;
  const store = new SqliteStore({ path: dbPath });
  try {
    const entry = await store.get<{ snapshot: StoredConversation }>(`conversation:${id}`);
    return entry?.value.snapshot;
  } finally {
    await store.close();
  }
}

function executions(path: string): Execution[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [callId, name, pid] = line.split(' ');
      return { callId: callId!, name: name!, pid: pid! };
    });
}

/**
 * 50 conversations (createConversation with one SqliteStore file shared by every process; three
 * tools that log each execution to a file), each in its own process, four processes writing the
 * file at any moment, killed with SIGKILL at a random moment of its multi-tool
 * turn, then resumed with resumeConversation in a new process. A kill that lands after the turn
 * ended does not count: that conversation is tried again under a new id. Every resumed history
 * must be complete, and no tool whose result was stored at the kill may run again.
 */
export const chaos: ChaosRun = {
  name: 'agents',
  title: `${CONVERSATIONS} conversations in ${PARALLEL} processes sharing one SQLite file, killed mid-turn (SIGKILL) and resumed with resumeConversation`,
  budgetMs: 8 * 60_000,
  async run(ctx) {
    const f = new Findings();
    const random = createRandom(ctx.seed + 3);
    const dir = mkdtempSync(join(tmpdir(), 'mf-chaos-agents-'));
    const scenarioFile = join(dir, 'scenarios.json');
    writeFileSync(scenarioFile, JSON.stringify(scenarios));
    const emulator = await ctx.startEmulator([
      '--scenarios',
      scenarioFile,
      '--ttft-ms',
      '20',
      '--token-ms',
      '4',
    ]);
    const script = childScript('agents-child');
    const children = new Set<NodeChild>();
    // Every process shares one SQLite file, as the processes of one machine do.
    const dbPath = join(dir, 'conversations.db');
    const spawnLife = (mode: 'start' | 'resume', id: string) => {
      const child = spawnNode(script, [
        mode,
        emulator.url,
        dbPath,
        id,
        join(dir, `${id}.log`),
        PROMPT,
      ]);
      children.add(child);
      void child.exited.then(() => children.delete(child));
      return child;
    };
    try {
      // Uninterrupted turns first, as many at once as the run will have: how long a turn takes
      // under that load, for the kill delays.
      const calibration = await Promise.all(
        Array.from({ length: PARALLEL }, async (_, i) => {
          const child = spawnLife('start', `calibration-${i}`);
          await child.waitForLine((l) => l === 'accepted', 30_000);
          const t0 = Date.now();
          const done = await child.waitForLine((l) => l === 'done', 30_000);
          if (!done) await child.kill();
          return done ? Date.now() - t0 : undefined;
        }),
      );
      f.check(
        calibration.every((ms) => ms !== undefined),
        'an uninterrupted calibration turn did not finish within 30 s',
      );
      const turnMs = Math.max(...calibration.map((ms) => ms ?? 0));
      ctx.log(
        `  uninterrupted turns, ${PARALLEL} at once: ${calibration.join(', ')} ms from accepted to done`,
      );

      const points: Record<string, number> = {};
      let afterTurn = 0;
      let reExecutedUnstored = 0;
      let reExecutedStored = 0;
      let executionsTotal = 0;
      let complete = 0;
      let next = 0;
      const one = async (slot: number) => {
        for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
          const id = `conv-${slot}-${attempt}`;
          const logPath = join(dir, `${id}.log`);
          const first = spawnLife('start', id);
          if (!(await first.waitForLine((l) => l === 'accepted', 30_000))) {
            f.failures.push(`${id}: never accepted its message; ${first.stderr().slice(-300)}`);
            await first.kill();
            return;
          }
          const delay = random.between(0, turnMs);
          const done = await first.waitForLine((l) => l === 'done', delay);
          await first.kill();
          const atKill = await stored(dbPath, id);
          const point = killPoint(atKill);
          if (done || point === 'after the turn') {
            afterTurn++;
            continue; // not mid-turn: try this slot again with a new conversation
          }
          points[point] = (points[point] ?? 0) + 1;
          const storedAtKill = storedResults(atKill);
          const before = executions(logPath);

          const second = spawnLife('resume', id);
          const resumed = await second.waitForLine((l) => l === 'done', 30_000);
          if (!resumed) {
            f.failures.push(
              `${id}: the resumed turn did not finish within 30 s (killed at ${point}); last lines ${second.lines.slice(-3).join(' | ')}; ${second.stderr().slice(-300)}`,
            );
            await second.kill();
            return;
          }
          const exit = await second.exited;
          if (exit.code !== 0) f.failures.push(`${id}: the resumed process exited ${exit.code}`);
          const all = executions(logPath);
          const after = all.slice(before.length);
          executionsTotal += all.length;
          reExecutedUnstored += after.filter(
            (e) => !storedAtKill.has(e.callId) && before.some((b) => b.callId === e.callId),
          ).length;
          reExecutedStored += after.filter((e) => storedAtKill.has(e.callId)).length;
          const problems = judgeConversation({
            id,
            final: await stored(dbPath, id),
            storedAtKill,
            executionsBeforeKill: before,
            executionsAfterKill: after,
            finalText: FINAL_TEXT,
          });
          if (problems.length === 0) complete++;
          f.failures.push(...problems.map((p) => `${p} (killed at ${point})`));
          return;
        }
        f.failures.push(
          `slot ${slot}: ${MAX_TRIES} kills in a row landed after the turn had ended; no mid-turn kill`,
        );
      };
      await Promise.all(
        Array.from({ length: PARALLEL }, async () => {
          while (next < CONVERSATIONS) await one(next++);
        }),
      );
      const midTurn = Object.values(points).reduce((a, b) => a + b, 0);
      const stats = await emulatorStats(emulator.url);

      f.tried.push(
        `${CONVERSATIONS} conversations, each in its own process (createConversation, one SqliteStore file shared by every process, three tools logging every execution to a file; a turn of two parallel tool calls, one more, then the answer), ${PARALLEL} at a time; seed ${ctx.seed + 3}`,
        `${midTurn} SIGKILLs mid-turn at a random moment (uniform over 0 to ${turnMs} ms, the longest of ${PARALLEL} uninterrupted turns run side by side, from the moment the message was stored), each followed by resumeConversation in a new process; ${afterTurn} more kills landed after the turn had ended and were tried again under a new id`,
        `where the kills landed (stored state at the kill): ${Object.entries(points)
          .sort((a, b) => b[1] - a[1])
          .map(([p, n]) => `${p}: ${n}`)
          .join('; ')}`,
      );
      f.survived.push(
        `${complete} of ${CONVERSATIONS} resumed conversations ended idle with the complete history (user, assistant + 2 tool calls, 2 tool results, assistant + 1 tool call, 1 tool result, final answer)`,
        `${executionsTotal} tool executions in all; ${reExecutedUnstored} ran again after a kill because their result had not been stored yet; ${reExecutedStored} whose result was stored ran again`,
        `the emulator answered ${stats.modelCalls.total} model calls`,
      );
      Object.assign(f.facts, {
        conversations: CONVERSATIONS,
        midTurnKills: midTurn,
        killsAfterTurn: afterTurn,
        complete,
        toolExecutions: executionsTotal,
        reExecutedUnstored,
        reExecutedStored,
      });
      return { name: 'agents', title: this.title, seed: ctx.seed + 3, ...f };
    } finally {
      for (const child of children) await child.kill();
      await emulator.close();
      if (process.env.CHAOS_KEEP) ctx.log(`  kept ${dir} (CHAOS_KEEP)`);
      else rmSync(dir, { recursive: true, force: true });
    }
  },
};
