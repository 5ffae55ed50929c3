import type { BatchJob } from '@mistralai/mistralai/models/components';
import { describe, expect, it } from 'vitest';
import { batchEventType, batchWebhookData } from './batch-job-event.js';

describe('batchEventType', () => {
  it('lowercases the status under batch.job', () => {
    expect(batchEventType('QUEUED')).toBe('batch.job.queued');
    expect(batchEventType('TIMEOUT_EXCEEDED')).toBe('batch.job.timeout_exceeded');
  });
});

describe('batchWebhookData', () => {
  it('carries the status change and the counters', () => {
    const job: BatchJob = {
      id: 'b1',
      object: 'batch',
      inputFiles: ['f1'],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      errors: [],
      status: 'RUNNING',
      createdAt: 100,
      startedAt: 101,
      totalRequests: 10,
      completedRequests: 4,
      succeededRequests: 3,
      failedRequests: 1,
      metadata: { team: 'a' },
    };
    expect(batchWebhookData(job, 'QUEUED')).toEqual({
      id: 'b1',
      status: 'RUNNING',
      previousStatus: 'QUEUED',
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      agentId: null,
      metadata: { team: 'a' },
      totalRequests: 10,
      completedRequests: 4,
      succeededRequests: 3,
      failedRequests: 1,
      createdAt: 100,
      startedAt: 101,
      completedAt: null,
      outputFile: null,
      errorFile: null,
    });
  });
});
