import { describe, expect, it } from 'vitest';
import { eventKind } from './event-kind.js';

describe('eventKind', () => {
  it('marks errors, approvals and tool events by the words of their type', () => {
    expect(eventKind('model.error')).toBe('error');
    expect(eventKind('xstate.error.actor.0.batch.pollJob')).toBe('error');
    expect(eventKind('job.lost')).toBe('error');
    expect(eventKind('chat:error')).toBe('error');
    expect(eventKind('tool.approve')).toBe('approval');
    expect(eventKind('tool.reject')).toBe('approval');
    expect(eventKind('tool.result')).toBe('tool');
    expect(eventKind('tool-call')).toBe('tool');
  });

  it('marks an event whose payload carries an error', () => {
    expect(eventKind('xstate.done.actor.x', { error: { $type: 'error', message: 'boom' } })).toBe(
      'error',
    );
  });

  it('leaves other events alone', () => {
    expect(eventKind('user.send')).toBeUndefined();
    expect(eventKind('job.update')).toBeUndefined();
    expect(eventKind('user.sendErrorReport')).toBeUndefined();
    expect(eventKind('model.delta', { text: 'no errors here' })).toBeUndefined();
  });
});
