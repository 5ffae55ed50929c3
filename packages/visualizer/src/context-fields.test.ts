import { describe, expect, it } from 'vitest';
import { findProgress, findStreamedText } from './context-fields.js';

describe('findStreamedText', () => {
  it('finds the first recognised text field', () => {
    expect(findStreamedText({ partialText: 'Hel', text: 'other' })).toEqual({
      field: 'partialText',
      text: 'Hel',
    });
    expect(findStreamedText({ text: '' })).toEqual({ field: 'text', text: '' });
    expect(findStreamedText({ content: 'c' })).toEqual({ field: 'content', text: 'c' });
  });

  it('ignores contexts without a string text field', () => {
    expect(findStreamedText({ text: 3 })).toBeUndefined();
    expect(findStreamedText(undefined)).toBeUndefined();
    expect(findStreamedText(['text'])).toBeUndefined();
  });
});

describe('findProgress', () => {
  it('reads a progress object', () => {
    expect(findProgress({ progress: { completed: 3, total: 4 } })).toEqual({
      field: 'progress',
      completed: 3,
      total: 4,
      fraction: 0.75,
    });
  });

  it('reads batch job counters in camelCase or snake_case, summing succeeded and failed', () => {
    expect(
      findProgress({ job: { totalRequests: 10, succeededRequests: 4, failedRequests: 1 } }),
    ).toEqual({
      field: 'job',
      completed: 5,
      total: 10,
      failed: 1,
      fraction: 0.5,
    });
    expect(findProgress({ batch: { total_requests: 8, completed_requests: 2 } })).toMatchObject({
      field: 'batch',
      fraction: 0.25,
    });
    expect(findProgress({ done: 1, total: 2 })).toMatchObject({ field: 'context', fraction: 0.5 });
  });

  it("finds counters nested deeper, such as the batch machine's job.counters", () => {
    expect(
      findProgress({
        key: 'k',
        job: { id: 'job-1', counters: { total: 10, completed: 4, succeeded: 3, failed: 1 } },
      }),
    ).toEqual({ field: 'job.counters', completed: 4, total: 10, failed: 1, fraction: 0.4 });
    expect(findProgress({ a: { b: { c: { d: { total: 2, done: 1 } } } } })).toBeUndefined();
    expect(findProgress({ items: [{ total: 2, done: 1 }] })).toBeUndefined();
  });

  it('reads a fraction and clamps odd values', () => {
    expect(findProgress({ progress: 0.4 })).toMatchObject({ fraction: 0.4 });
    expect(findProgress({ progress: { completed: 5, total: 0 } })).toMatchObject({ fraction: 0 });
    expect(findProgress({ progress: { completed: 9, total: 3 } })).toMatchObject({ fraction: 1 });
  });

  it('ignores contexts without counters', () => {
    expect(findProgress({ progress: { total: 3 } })).toBeUndefined();
    expect(findProgress({ progress: 7 })).toBeUndefined();
    expect(findProgress(null)).toBeUndefined();
  });
});
