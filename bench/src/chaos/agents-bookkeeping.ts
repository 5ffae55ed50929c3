/** The parts of a persisted conversation snapshot the agents chaos run reads. */
export interface StoredConversation {
  value: unknown;
  context: {
    messages: Array<
      | { role: 'user' | 'system'; content: string }
      | { role: 'assistant'; content: string; toolCalls?: Array<{ id: string; name: string }> }
      | { role: 'tool'; toolCallId: string; name: string; content: string }
    >;
    pendingCalls: Array<{ id: string; result?: unknown }>;
    lastTurn?: { turn: number };
  };
}

export interface Execution {
  callId: string;
  name: string;
  pid: string;
}

/** Call ids whose results are in the store: answered in the history, or in pending calls. */
export function storedResults(s: StoredConversation | undefined): Set<string> {
  const ids = new Set<string>();
  for (const m of s?.context.messages ?? []) if (m.role === 'tool') ids.add(m.toolCallId);
  for (const c of s?.context.pendingCalls ?? []) if (c.result !== undefined) ids.add(c.id);
  return ids;
}

/** Where a kill landed, from what the conversation had stored at that moment. */
export function killPoint(s: StoredConversation | undefined): string {
  if (!s) return 'nothing stored';
  if (s.value === 'idle' && s.context.lastTurn?.turn === 1) return 'after the turn';
  const results = storedResults(s).size;
  return `${typeof s.value === 'string' ? s.value : JSON.stringify(s.value)}, ${results} tool result(s) stored`;
}

export const EXPECTED_ROLES = [
  'user',
  'assistant',
  'tool',
  'tool',
  'assistant',
  'tool',
  'assistant',
];
export const EXPECTED_TOOLS = ['audit_a ok', 'audit_b ok', 'audit_c ok'];

/**
 * Everything wrong with a resumed conversation: an incomplete or doubled history, a final answer
 * missing, a tool whose result was stored at the kill executed again after it, a call of the
 * history never executed, or executed more than once per process.
 */
export function judgeConversation(args: {
  id: string;
  final: StoredConversation | undefined;
  storedAtKill: ReadonlySet<string>;
  executionsBeforeKill: readonly Execution[];
  executionsAfterKill: readonly Execution[];
  finalText: string;
}): string[] {
  const { id, final } = args;
  const problems: string[] = [];
  if (!final) return [`${id}: nothing stored at the end`];
  if (final.value !== 'idle' || final.context.lastTurn?.turn !== 1)
    problems.push(`${id}: ended in ${JSON.stringify(final.value)}, not idle after turn 1`);
  const roles = final.context.messages.map((m) => m.role);
  if (roles.join(',') !== EXPECTED_ROLES.join(','))
    problems.push(`${id}: history ${roles.join(',')}, expected ${EXPECTED_ROLES.join(',')}`);
  const tools = final.context.messages.filter((m) => m.role === 'tool');
  const contents = tools.map((t) => t.content).sort();
  if (contents.join('|') !== EXPECTED_TOOLS.join('|'))
    problems.push(`${id}: tool results ${JSON.stringify(contents)}`);
  const last = final.context.messages.at(-1);
  if (last?.role !== 'assistant' || !last.content.includes(args.finalText))
    problems.push(`${id}: the final answer is missing`);
  for (const callId of args.storedAtKill) {
    const again = args.executionsAfterKill.filter((e) => e.callId === callId);
    if (again.length > 0)
      problems.push(`${id}: ${again[0]!.name} (${callId}) had a stored result and ran again`);
  }
  const all = [...args.executionsBeforeKill, ...args.executionsAfterKill];
  for (const t of tools) {
    const runs = all.filter((e) => e.callId === t.toolCallId);
    if (runs.length === 0) problems.push(`${id}: ${t.name} (${t.toolCallId}) never executed`);
    const perProcess = new Map<string, number>();
    for (const r of runs) perProcess.set(r.pid, (perProcess.get(r.pid) ?? 0) + 1);
    if ([...perProcess.values()].some((n) => n > 1))
      problems.push(`${id}: ${t.name} (${t.toolCallId}) executed twice in one process`);
  }
  return problems;
}
