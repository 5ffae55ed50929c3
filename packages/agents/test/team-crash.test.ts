import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStored, runFixture, type Child } from './support/child.js';
import { teamKey, type PersistedTeam } from '../src/index.js';

/**
 * Kills a process running an agent team's turn (SIGKILL) during the handoff and while a refund
 * waits for approval, resumes the team from its SQLite store in a new process, and checks that the
 * turn completes with billing's answer and that no tool whose result was stored ran again.
 */
const fixture = fileURLToPath(new URL('./fixtures/team-crash-child.mjs', import.meta.url));
const PROMPT = 'charged twice';

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-team-crash-'));
  emulator = await startEmulator({
    // Slow enough that a kill right after the handoff lands inside billing's model call.
    latency: { ttftMs: 150, tokenMs: 2 },
    scenarios: [
      {
        match: { model: 'mistral-small-latest', lastUserMessage: PROMPT, step: 1 },
        toolCalls: [{ name: 'lookup_account', arguments: { account: '7' } }],
      },
      {
        match: { model: 'mistral-small-latest', lastUserMessage: PROMPT, step: 2 },
        toolCalls: [{ name: 'transfer_to_billing', arguments: { reason: 'a double charge' } }],
      },
      {
        match: { model: 'mistral-large-latest', lastUserMessage: PROMPT, step: 1 },
        toolCalls: [{ name: 'refund', arguments: { account: '7' } }],
      },
      {
        match: { model: 'mistral-large-latest', lastUserMessage: PROMPT, step: 2 },
        text: 'The duplicate charge on account 7 has been refunded.',
      },
    ],
  });
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(mode: 'start' | 'resume', id: string): Child {
  return runFixture(fixture, mode, emulator.url, dir, id);
}

function storedTeam(id: string): Promise<PersistedTeam | undefined> {
  return readStored<PersistedTeam>(dir, id, teamKey(id));
}

const executions = (id: string) => {
  const path = join(dir, `${id}.log`);
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[1])
    : [];
};

function approve(child: Child): void {
  const request = child.lines.find((l) => l.startsWith('approval-required'));
  if (request && !child.lines.includes('approved')) {
    child.lines.push('approved');
    child.process.stdin!.write(`approve ${request.split(' ')[1]}\n`);
  }
}

const killPoints = [
  {
    name: 'right after the handoff, during billing’s model call',
    line: 'handoff triage->billing',
    approveFirst: true,
  },
  { name: 'while the refund waits for approval', line: 'approval-required' },
];

describe('agent team crash and resume', () => {
  it.each(killPoints.map((p, i) => [p.name, i] as const))(
    'completes the turn after SIGKILL %s, running no stored tool again',
    async (_name, index) => {
      const point = killPoints[index]!;
      const id = `team-crash-${index}`;
      const first = run('start', id);
      await waitFor(() => first.lines.some((l) => l.startsWith(point.line)), {
        timeoutMs: 20_000,
        intervalMs: 1,
        what: `kill point "${point.name}"`,
      });
      first.process.kill('SIGKILL');
      await first.exited;
      expect(first.lines).not.toContain('done billing 1');

      const second = run('resume', id);
      await waitFor(
        () => {
          approve(second);
          return second.lines.some((l) => l.startsWith('done'));
        },
        { timeoutMs: 20_000, intervalMs: 5, what: 'the resumed turn to finish' },
      );
      expect(await second.exited).toBe(0);
      expect(second.lines).toContain('done billing 1');

      // Each tool ran exactly once, across both processes.
      expect(executions(id).sort()).toEqual(['lookup_account', 'refund']);
      const team = (await storedTeam(id))!;
      expect(team.state).toBe('idle');
      expect(team.context.step).toBeUndefined();
      expect(team.context.handoffs).toMatchObject([
        { from: 'triage', to: 'billing', reason: 'a double charge' },
      ]);
      expect(team.context.history.map((m) => `${m.role}${m.agent ? `:${m.agent}` : ''}`)).toEqual([
        'user',
        'assistant:triage',
        'tool:triage',
        'assistant:billing',
        'tool:billing',
        'assistant:billing',
      ]);
    },
    40_000,
  );
});
