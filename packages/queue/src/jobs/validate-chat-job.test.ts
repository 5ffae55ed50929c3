import { describe, expect, it } from 'vitest';
import { InvalidJobError } from '../errors/invalid-job-error.js';
import type { ChatJobInput } from './chat-job.js';
import { validateChatJob, validateJobOptions } from './validate-chat-job.js';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(InvalidJobError.isInstance(error)).toBe(true);
    expect((error as InvalidJobError).code).toBe('job_invalid');
    return (error as InvalidJobError).field;
  }
  throw new Error('expected a throw');
}

const messages: ChatJobInput['messages'] = [{ role: 'user', content: 'Hi' }];

describe('validateChatJob', () => {
  it('returns the data to store, without undefined fields', () => {
    expect(validateChatJob({ messages, metadata: { a: 1 } })).toEqual({
      messages,
      metadata: { a: 1 },
    });
    expect(validateChatJob({ messages, agentId: 'ag_1', stream: true })).toEqual({
      messages,
      agentId: 'ag_1',
      stream: true,
    });
  });

  it('refuses a job without messages', () => {
    expect(fieldOf(() => validateChatJob({ messages: [] }))).toBe('messages');
    expect(fieldOf(() => validateChatJob({} as ChatJobInput))).toBe('messages');
  });

  it('refuses malformed messages', () => {
    const bad = [{ role: 'robot', content: 'x' }] as unknown as ChatJobInput['messages'];
    expect(fieldOf(() => validateChatJob({ messages: bad }))).toBe('messages[0].role');
    const notObject = ['hi'] as unknown as ChatJobInput['messages'];
    expect(fieldOf(() => validateChatJob({ messages: notObject }))).toBe('messages[0]');
  });

  it('refuses a model and an agent together, and empty names', () => {
    expect(fieldOf(() => validateChatJob({ messages, model: 'm', agentId: 'a' }))).toBe('agentId');
    expect(fieldOf(() => validateChatJob({ messages, model: ' ' }))).toBe('model');
  });

  it('refuses metadata JSON cannot hold', () => {
    expect(fieldOf(() => validateChatJob({ messages, metadata: [] as never }))).toBe('metadata');
    expect(
      fieldOf(() => validateChatJob({ messages, metadata: { when: new Date() as never } })),
    ).toBe('metadata.when');
    expect(fieldOf(() => validateChatJob({ messages, metadata: { n: Number.NaN } }))).toBe(
      'metadata.n',
    );
  });
});

describe('validateJobOptions', () => {
  it('accepts string ids and integer priorities', () => {
    expect(() => validateJobOptions({ jobId: 'order-42', priority: 1 })).not.toThrow();
  });

  it('refuses ids BullMQ would refuse, and bad priorities', () => {
    expect(fieldOf(() => validateJobOptions({ jobId: '42' }))).toBe('jobId');
    expect(fieldOf(() => validateJobOptions({ jobId: 'a:b' }))).toBe('jobId');
    expect(fieldOf(() => validateJobOptions({ jobId: '' }))).toBe('jobId');
    expect(fieldOf(() => validateJobOptions({ priority: 1.5 }))).toBe('priority');
    expect(fieldOf(() => validateJobOptions({ priority: -1 }))).toBe('priority');
  });
});
