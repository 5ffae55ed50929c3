import { describe, expect, it } from 'vitest';
import { webhookBody, webhookId } from './webhook-message.js';

describe('webhookId', () => {
  it('is deterministic per event and differs between events', () => {
    expect(webhookId('q', 'job-1', 'completed', 0)).toBe(webhookId('q', 'job-1', 'completed', 0));
    expect(webhookId('q', 'job-1', 'completed', 0)).not.toBe(
      webhookId('q', 'job-1', 'completed', 1),
    );
    expect(webhookId('q', 'job-1', 'failed', 0)).not.toBe(webhookId('q', 'job-1', 'completed', 0));
    expect(webhookId('q', 'ab', 'c')).not.toBe(webhookId('q', 'a', 'bc'));
    expect(webhookId('x')).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
  });
});

describe('webhookBody', () => {
  it('is the Standard Webhooks payload: type, ISO timestamp and data', () => {
    const body = webhookBody({
      id: 'msg_1',
      url: 'https://example.com',
      type: 'chat.job.completed',
      data: { jobId: 'j' },
      timestamp: new Date(0),
    });
    expect(JSON.parse(body)).toEqual({
      type: 'chat.job.completed',
      timestamp: '1970-01-01T00:00:00.000Z',
      data: { jobId: 'j' },
    });
  });
});
