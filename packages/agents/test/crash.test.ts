import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '@mistral-flows/emulator';
import { waitFor } from '@mistral-flows/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStored, runFixture, type Child } from './support/child.js';
import type { ConversationMessage, PersistedConversation } from '../src/index.js';

/**
 * Kills a process running a multi-tool turn (SIGKILL) at several points, resumes the
 * conversation from its SQLite store in a new process, and checks that the history ends complete
 * and that no tool whose result was stored ran again.
 */
const fixture = fileURLToPath(new URL('./fixtures/crash-child.mjs', import.meta.url));
const PROMPT = 'Run the audit';

let emulator: Emulator;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-agents-crash-'));
  emulator = await startEmulator({
    // Each model call lasts at least ttftMs: the kill points "while the first model call streams"
    // and "during the second model call" poll the store for a state that lasts as long as the
    // call, and a call without it can end (about 20 ms on the fast wire) between two polls.
    latency: { ttftMs: 100, tokenMs: 3 },
    scenarios: [
      {
        match: { lastUserMessage: PROMPT, step: 1 },
        toolCalls: [
          { name: 'audit_a', arguments: { target: 'db' } },
          { name: 'audit_b', arguments: { target: 'api' } },
        ],
      },
      {
        match: { lastUserMessage: PROMPT, step: 2 },
        toolCalls: [{ name: 'audit_c', arguments: { target: 'keys' } }],
      },
      {
        match: { lastUserMessage: PROMPT, step: 3 },
        text: 'The audit found nothing alarming in db, api or keys; all three checks passed without findings.',
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

function stored(id: string): Promise<PersistedConversation | undefined> {
  return readStored<PersistedConversation>(dir, id, `conversation:${id}`);
}

interface StoredContext {
  messages: ConversationMessage[];
  pendingCalls: Array<{ id: string; result?: unknown; needsApproval: boolean; decision?: string }>;
}
const contextOf = (record: PersistedConversation | undefined) =>
  record?.snapshot as unknown as { context: StoredContext; value: string } | undefined;

/** Call ids whose results are in the store: in pending calls, or already tool messages. */
function storedResults(record: PersistedConversation | undefined): Set<string> {
  const snapshot = contextOf(record);
  const ids = new Set<string>();
  for (const m of snapshot?.context.messages ?? []) if (m.role === 'tool') ids.add(m.toolCallId);
  for (const c of snapshot?.context.pendingCalls ?? []) if (c.result) ids.add(c.id);
  return ids;
}

type KillPoint = { name: string; when: (child: Child, id: string) => Promise<boolean> };
const line = (prefix: string) => (child: Child) =>
  Promise.resolve(child.lines.some((l) => l.startsWith(prefix)));
const storedState =
  (predicate: (s: { context: StoredContext; value: string }) => boolean) =>
  async (_c: Child, id: string) => {
    const s = contextOf(await stored(id));
    return s !== undefined && predicate(s);
  };

const killPoints: KillPoint[] = [
  {
    name: 'while the first model call streams',
    when: storedState((s) => s.value === 'responding'),
  },
  { name: 'while audit_a runs, before any result is stored', when: line('tool-start audit_a') },
  {
    name: 'after audit_a finished, possibly before its result is stored',
    when: line('tool-done audit_a'),
  },
  {
    name: 'with audit_a and audit_b stored, during the second model call',
    when: storedState(
      (s) =>
        s.context.messages.filter((m) => m.role === 'tool').length === 2 &&
        s.value === 'responding',
    ),
  },
  {
    name: 'while an approval is pending',
    when: storedState((s) => s.value === 'awaitingApproval'),
  },
  { name: 'after the approval, while audit_c runs', when: line('tool-start audit_c') },
  {
    name: 'during the final answer',
    when: (child) => Promise.resolve(child.lines.filter((l) => l === 'delta').length >= 3),
  },
];

describe('conversation crash and resume', () => {
  it.each(killPoints.map((p, i) => [p.name, i] as const))(
    'resumes after SIGKILL %s',
    async (_name, index) => {
      const point = killPoints[index]!;
      const id = `crash-${index}`;
      const approve = (child: Child) => {
        const request = child.lines.find((l) => l.startsWith('approval-required'));
        if (request && !child.lines.includes('approved')) {
          child.lines.push('approved');
          child.process.stdin!.write(`approve ${request.split(' ')[1]}\n`);
        }
      };

      // First process: run until the kill point (approving when asked, except at the approval point).
      const first = run('start', id);
      const approvalPoint = point.name.includes('approval is pending');
      await waitFor(
        async () => {
          if (!approvalPoint) approve(first);
          return point.when(first, id);
        },
        { timeoutMs: 20_000, intervalMs: 2, what: `kill point "${point.name}"` },
      );
      first.process.kill('SIGKILL');
      await first.exited;
      const storedAtKill = storedResults(await stored(id));
      const executionsBefore = readExecutions(id);

      // Second process: resume until done.
      const second = run('resume', id);
      await waitFor(
        () => {
          approve(second);
          return second.lines.includes('done');
        },
        { timeoutMs: 20_000, intervalMs: 5, what: 'the resumed turn to finish' },
      );
      expect(await second.exited).toBe(0);
      if (approvalPoint) expect(second.lines[0]).toBe('started resume awaitingApproval');

      const final = contextOf(await stored(id))!;
      expect(final.value).toBe('idle');
      const roles = final.context.messages.map((m) => m.role);
      expect(roles).toEqual([
        'user',
        'assistant',
        'tool',
        'tool',
        'assistant',
        'tool',
        'assistant',
      ]);
      const tools = final.context.messages.filter(
        (m): m is Extract<ConversationMessage, { role: 'tool' }> => m.role === 'tool',
      );
      expect(tools.map((t) => t.content)).toEqual(['audit_a ok', 'audit_b ok', 'audit_c ok']);
      expect(final.context.messages.at(-1)).toMatchObject({
        role: 'assistant',
        content: expect.stringContaining('audit found nothing'),
      });

      // No tool whose result was stored before the crash ran again after it.
      const executionsAfter = readExecutions(id).slice(executionsBefore.length);
      for (const callId of storedAtKill) {
        expect(
          executionsAfter.filter((e) => e.callId === callId),
          `call ${callId} re-executed`,
        ).toEqual([]);
      }
      // And every call ran at most once per process that did not store its result.
      const all = readExecutions(id);
      for (const t of tools) {
        expect(all.filter((e) => e.callId === t.toolCallId).length).toBeLessThanOrEqual(2);
        expect(all.some((e) => e.callId === t.toolCallId)).toBe(true);
      }
    },
  );
});

function readExecutions(id: string): Array<{ callId: string; name: string; pid: string }> {
  const path = join(dir, `${id}.log`);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [callId, name, pid] = l.split(' ');
      return { callId: callId!, name: name!, pid: pid! };
    });
}
