import { describe, expect, it } from 'vitest';
import { judgeConversation, storedResults, type StoredConversation } from './agents-bookkeeping.js';
import { checkModelCalls, type ModelCall } from './queue-bookkeeping.js';
import { createRandom } from './random.js';
import {
  expectedOutcome,
  expectedRequests,
  judgeStream,
  type StreamRecord,
} from './stream-bookkeeping.js';

const stream = (over: Partial<StreamRecord>): StreamRecord => ({
  index: 0,
  fault: undefined,
  onInterrupt: 'error',
  terminals: ['response-end'],
  eventsAfterTerminal: 0,
  deltasSinceRestart: 'hello',
  restarts: 0,
  endText: 'hello',
  errorCode: undefined,
  hung: false,
  ...over,
});

describe('judgeStream', () => {
  it('accepts a stream that ended once with its text', () => {
    expect(judgeStream(stream({})).problems).toEqual([]);
  });

  it('reports a stream that ended twice, kept emitting or lost text', () => {
    expect(
      judgeStream(stream({ terminals: ['response-end', 'StreamError'] })).problems,
    ).toHaveLength(1);
    expect(judgeStream(stream({ eventsAfterTerminal: 2 })).problems).toHaveLength(1);
    expect(judgeStream(stream({ endText: 'hello world' })).problems).toHaveLength(1);
  });

  it('expects what each fault calls for', () => {
    const drop = { kind: 'drop-after' as const, dropAfter: 3, once: true };
    expect(expectedOutcome({ fault: drop, onInterrupt: 'restart' })).toEqual({
      terminal: 'response-end',
      restarts: 1,
    });
    expect(expectedOutcome({ fault: drop, onInterrupt: 'error' }).terminal).toBe('StreamError');
    expect(
      expectedOutcome({
        fault: { kind: '429', dropAfter: 0, once: false },
        onInterrupt: 'restart',
      }),
    ).toEqual({
      terminal: 'StreamError',
      code: 'rate_limited',
      restarts: 0,
    });
    expect(expectedRequests({ fault: { ...drop, once: false }, onInterrupt: 'restart' })).toEqual({
      requests: 3,
      faults: 3,
    });
    const wrong = stream({
      fault: { kind: '500', dropAfter: 0, once: false },
      terminals: ['response-end'],
    });
    expect(judgeStream(wrong).problems[0]).toMatch(/expected StreamError/);
  });
});

describe('checkModelCalls', () => {
  const call = (jobId: string, worker: string, start: number, ok = true): ModelCall => ({
    jobId,
    worker,
    start,
    end: start + 5,
    ok,
  });
  const finished = new Map<string, number | undefined>([
    ['job-1', 50],
    ['job-2', 500],
  ]);

  it('excuses a repeat of a job the killed worker held', () => {
    const check = checkModelCalls(
      [call('job-1', 'B', 10), call('job-2', 'A', 90), call('job-2', 'B', 300)],
      finished,
      'A',
      100,
    );
    expect(check.violations).toEqual([]);
    expect(check.extra).toBe(1);
    expect(check.repeatedJobs).toEqual(['job-2']);
  });

  it('refuses a repeat by the survivor, before the kill, or of a job completed before it', () => {
    expect(
      checkModelCalls(
        [call('job-1', 'B', 10), call('job-1', 'B', 20), call('job-2', 'B', 30)],
        finished,
        'A',
        100,
      ).violations,
    ).toHaveLength(1);
    expect(
      checkModelCalls(
        [call('job-1', 'A', 10), call('job-1', 'B', 200), call('job-2', 'B', 30)],
        finished,
        'A',
        100,
      ).violations,
    ).toHaveLength(1);
    expect(
      checkModelCalls(
        [call('job-1', 'B', 10), call('job-2', 'A', 30), call('job-2', 'B', 60)],
        finished,
        'A',
        100,
      ).violations,
    ).toHaveLength(1);
  });

  it('allows a retry after a failed call and reports a job never called', () => {
    expect(
      checkModelCalls(
        [call('job-1', 'B', 10, false), call('job-1', 'B', 20), call('job-2', 'B', 30)],
        finished,
        'A',
        100,
      ).violations,
    ).toEqual([]);
    expect(checkModelCalls([call('job-1', 'B', 10)], finished, 'A', 100).violations).toEqual([
      'job-2: no successful model call',
    ]);
  });
});

describe('judgeConversation', () => {
  const messages: StoredConversation['context']['messages'] = [
    { role: 'user', content: 'Run the audit' },
    {
      role: 'assistant',
      content: '',
      toolCalls: [
        { id: 'a', name: 'audit_a' },
        { id: 'b', name: 'audit_b' },
      ],
    },
    { role: 'tool', toolCallId: 'a', name: 'audit_a', content: 'audit_a ok' },
    { role: 'tool', toolCallId: 'b', name: 'audit_b', content: 'audit_b ok' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'audit_c' }] },
    { role: 'tool', toolCallId: 'c', name: 'audit_c', content: 'audit_c ok' },
    { role: 'assistant', content: 'All done.' },
  ];
  const final: StoredConversation = {
    value: 'idle',
    context: { messages, pendingCalls: [], lastTurn: { turn: 1 } },
  };
  const ran = (callId: string, pid: string) => ({ callId, name: `audit_${callId}`, pid });

  it('accepts a complete history where only unstored calls ran again', () => {
    const storedAtKill = storedResults({
      value: 'runningTools',
      context: {
        messages: messages.slice(0, 2),
        pendingCalls: [{ id: 'a', result: 'audit_a ok' }, { id: 'b' }],
      },
    });
    expect([...storedAtKill]).toEqual(['a']);
    const problems = judgeConversation({
      id: 'c1',
      final,
      storedAtKill,
      executionsBeforeKill: [ran('a', '1'), ran('b', '1')],
      executionsAfterKill: [ran('b', '2'), ran('c', '2')],
      finalText: 'All done.',
    });
    expect(problems).toEqual([]);
  });

  it('reports a stored call run again and an incomplete history', () => {
    const problems = judgeConversation({
      id: 'c2',
      final: { ...final, context: { ...final.context, messages: messages.slice(0, 6) } },
      storedAtKill: new Set(['a']),
      executionsBeforeKill: [ran('a', '1')],
      executionsAfterKill: [ran('a', '2'), ran('b', '2'), ran('c', '2')],
      finalText: 'All done.',
    });
    expect(problems.some((p) => p.includes('had a stored result and ran again'))).toBe(true);
    expect(problems.some((p) => p.includes('history'))).toBe(true);
  });
});

describe('createRandom', () => {
  it('repeats its sequence for a seed', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    expect(Array.from({ length: 5 }, () => a())).toEqual(Array.from({ length: 5 }, () => b()));
    expect(createRandom(7).int(1, 3)).toBeGreaterThanOrEqual(1);
  });
});
