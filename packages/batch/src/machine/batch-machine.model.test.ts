import { describe, expect, it } from 'vitest';
import { getShortestPaths } from 'xstate/graph';
import { batchMachine, type BatchSnapshot } from './batch-machine.js';
import type { BatchJobInfo } from './types.js';

const job = (status: string, failed = 0): BatchJobInfo => ({
  id: 'job-1',
  attempt: 1,
  status,
  counters: { total: 10, completed: status === 'RUNNING' ? 5 : 10, succeeded: 10 - failed, failed },
  outputFile: null,
  errorFile: null,
  errors: [],
});

type AnyEvent = { type: string; [key: string]: unknown };
const done = (id: string, output: unknown): AnyEvent => ({
  type: `xstate.done.actor.${id}`,
  output,
  actorId: id,
});
const fail = (id: string, error: unknown): AnyEvent => ({
  type: `xstate.error.actor.${id}`,
  error,
  actorId: id,
});

/** Plausible events in each state: actor results and failures, job updates, cancel. */
function eventsFor(s: BatchSnapshot): AnyEvent[] {
  const events: AnyEvent[] = [{ type: 'batch.cancel' }];
  switch (String(s.value)) {
    case 'preparing':
      events.push(
        done('prepareInput', { path: 'in', lines: 5, bytes: 100 }),
        done('prepareInput', { path: 'in', lines: 500, bytes: 9e6 }),
        fail('prepareInput', new Error('bad')),
      );
      break;
    case 'uploading':
      events.push(done('uploadInput', { fileId: 'f' }), fail('uploadInput', new Error('x')));
      break;
    case 'locating':
      events.push(
        done('findJob', null),
        done('findJob', job('RUNNING')),
        fail('findJob', new Error('x')),
      );
      break;
    case 'creating':
      events.push(
        done('createJob', job('QUEUED')),
        fail('createJob', { retryable: true, message: '503' }),
        fail('createJob', { retryable: false, message: '400' }),
      );
      break;
    case 'recovering':
      events.push({ type: 'wait.done' });
      break;
    case 'polling':
    case 'cancelling':
      for (const status of ['RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT_EXCEEDED', 'CANCELLED'])
        events.push({ type: 'job.update', job: job(status) });
      events.push(
        { type: 'job.update', job: job('SUCCESS', 2) },
        { type: 'job.lost', code: 'not_found', message: 'gone' },
      );
      if (String(s.value) === 'cancelling')
        events.push(
          done('cancelJob', job('CANCELLATION_REQUESTED')),
          fail('cancelJob', new Error('x')),
        );
      break;
    case 'downloading':
      events.push(
        done('downloadResults', { outputPath: 'out', errorPath: 'err' }),
        fail('downloadResults', new Error('x')),
      );
      break;
    case 'retryingFailed':
      events.push(
        done('prepareRetry', { path: 'in2', lines: 0, bytes: 0 }),
        done('prepareRetry', { path: 'in2', lines: 2, bytes: 50 }),
        fail('prepareRetry', new Error('x')),
      );
      break;
    default:
      break;
  }
  return events;
}

const serializeState = (s: BatchSnapshot) =>
  JSON.stringify({
    v: s.value,
    job: s.context.jobId !== undefined,
    a: s.context.attempt,
    c: s.context.cancelRequested,
    st: s.context.status,
    inline: s.context.inline,
  });

const options = {
  input: { key: 'k', endpoint: '/v1/chat/completions' as const, workDir: '/tmp', retryFailed: 1 },
  events: eventsFor as never,
  serializeState,
};

describe('batchMachine (model-based)', () => {
  const paths = getShortestPaths(batchMachine, options);

  it('explores every state', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    for (const state of [
      'preparing',
      'uploading',
      'locating',
      'creating',
      'recovering',
      'polling',
      'cancelling',
      'downloading',
      'retryingFailed',
      'succeeded',
      'failed',
      'timedOut',
      'cancelled',
    ]) {
      expect(reached, state).toContain(state);
    }
  });

  it('never enters creating when a job id is already known', () => {
    for (const path of paths) {
      for (const step of path.steps) {
        if (step.state.matches('creating'))
          expect(
            step.state.context.jobId,
            path.steps.map((s) => s.event.type).join(' -> '),
          ).toBeUndefined();
      }
    }
  });

  it('reaches a final state from every reachable state', () => {
    for (const path of paths) {
      if (path.state.status === 'done') continue;
      const onwards = getShortestPaths(batchMachine, {
        ...options,
        fromState: path.state,
        toState: (s) => s.status === 'done',
      });
      expect(onwards.length, `stuck in ${String(path.state.value)}`).toBeGreaterThan(0);
    }
  });

  it('keeps partial results: failed and timedOut are reached through downloading when a job ended', () => {
    for (const path of paths) {
      const value = String(path.state.value);
      if ((value === 'timedOut' || value === 'cancelled') && path.state.context.jobId) {
        expect(path.steps.some((s) => s.state.matches('downloading'))).toBe(true);
      }
    }
  });
});
