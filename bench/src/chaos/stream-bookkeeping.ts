/** A fault planned for one stream, sent as `x-emulator-fault` headers. */
export interface PlannedFault {
  kind: '429' | '500' | 'drop-after';
  /** Text deltas before the connection is cut (`drop-after` only). */
  dropAfter: number;
  /** Fires on the first request only (`x-emulator-fault-times: 1`), so a retry or restart recovers. */
  once: boolean;
}

/** What one stream did, as seen by its subscriber. */
export interface StreamRecord {
  index: number;
  fault: PlannedFault | undefined;
  onInterrupt: 'error' | 'restart';
  /** Each way the stream ended, in order: `response-end`, `StreamError`, ... (one expected). */
  terminals: string[];
  eventsAfterTerminal: number;
  /** Text of the deltas since the last `restart` event. */
  deltasSinceRestart: string;
  restarts: number;
  endText: string | undefined;
  errorCode: string | undefined;
  hung: boolean;
}

/** Restarts `chatStream` allows by default. */
const MAX_RESTARTS = 2;

/** How a stream with this fault and policy must end. */
export function expectedOutcome(r: Pick<StreamRecord, 'fault' | 'onInterrupt'>): {
  terminal: 'response-end' | 'StreamError';
  code?: string;
  restarts: number;
} {
  const fault = r.fault;
  if (!fault) return { terminal: 'response-end', restarts: 0 };
  if (fault.kind === '429' || fault.kind === '500') {
    // Retried before the first delta: once recovers, always exhausts the attempts.
    return fault.once
      ? { terminal: 'response-end', restarts: 0 }
      : {
          terminal: 'StreamError',
          code: fault.kind === '429' ? 'rate_limited' : 'server',
          restarts: 0,
        };
  }
  // drop-after: the break comes after the first delta, so only a restart can recover.
  if (r.onInterrupt === 'error') return { terminal: 'StreamError', code: 'network', restarts: 0 };
  return fault.once
    ? { terminal: 'response-end', restarts: 1 }
    : { terminal: 'StreamError', code: 'network', restarts: MAX_RESTARTS };
}

/** Every way this stream broke the rules: ended twice, kept emitting, lost text, wrong outcome. */
export function judgeStream(r: StreamRecord): { problems: string[] } {
  const problems: string[] = [];
  const label = `stream ${r.index}${r.fault ? ` (${describeFault(r.fault)}, ${r.onInterrupt})` : ''}`;
  if (r.hung) return { problems }; // reported on its own
  if (r.terminals.length === 0) problems.push(`${label} never ended`);
  if (r.terminals.length > 1)
    problems.push(`${label} ended ${r.terminals.length} times (${r.terminals.join(', ')})`);
  if (r.eventsAfterTerminal > 0)
    problems.push(`${label} emitted ${r.eventsAfterTerminal} event(s) after its end`);
  const expected = expectedOutcome(r);
  const actual = r.terminals[0];
  if (actual !== undefined && actual !== expected.terminal) {
    problems.push(
      `${label} ended in ${actual}${r.errorCode ? ` (${r.errorCode})` : ''}, expected ${expected.terminal}`,
    );
  } else if (expected.code !== undefined && r.errorCode !== expected.code) {
    problems.push(`${label} failed with code ${String(r.errorCode)}, expected ${expected.code}`);
  }
  if (actual === expected.terminal && r.restarts !== expected.restarts) {
    problems.push(`${label} restarted ${r.restarts} time(s), expected ${expected.restarts}`);
  }
  if (actual === 'response-end' && r.endText !== r.deltasSinceRestart) {
    problems.push(
      `${label}: response-end text (${r.endText?.length ?? 0} chars) differs from its deltas (${r.deltasSinceRestart.length} chars)`,
    );
  }
  return { problems };
}

export function describeFault(f: PlannedFault): string {
  const what = f.kind === 'drop-after' ? `drop-after:${f.dropAfter}` : f.kind;
  return `${what} ${f.once ? 'once' : 'always'}`;
}

/**
 * Requests the emulator must have seen for this stream: one per attempt (a retry before the first
 * delta, or a restart after it), and the faults that fired among them. More would be a duplicate.
 */
export function expectedRequests(r: Pick<StreamRecord, 'fault' | 'onInterrupt'>): {
  requests: number;
  faults: number;
} {
  const fault = r.fault;
  if (!fault) return { requests: 1, faults: 0 };
  if (fault.kind === '429' || fault.kind === '500') {
    return fault.once ? { requests: 2, faults: 1 } : { requests: 3, faults: 3 };
  }
  if (r.onInterrupt === 'error') return { requests: 1, faults: 1 };
  return fault.once
    ? { requests: 2, faults: 1 }
    : { requests: 1 + MAX_RESTARTS, faults: 1 + MAX_RESTARTS };
}
