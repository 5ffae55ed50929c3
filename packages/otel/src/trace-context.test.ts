import { InvalidArgumentError } from '@mistral-flows/core';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  contextFromTraceContext,
  formatTraceContext,
  jobTraceContext,
  parseTraceContext,
} from './trace-context.js';

const spanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

describe('formatTraceContext', () => {
  it('writes a W3C traceparent', () => {
    expect(formatTraceContext(spanContext)).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
  });
});

describe('parseTraceContext', () => {
  it('reads back what formatTraceContext wrote, as a remote parent', () => {
    expect(parseTraceContext(formatTraceContext(spanContext))).toEqual({
      ...spanContext,
      isRemote: true,
    });
  });

  it('keeps tracestate', () => {
    const parsed = parseTraceContext({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00',
      tracestate: 'vendor=value',
    });
    expect(parsed?.traceState?.get('vendor')).toBe('value');
    expect(parsed?.traceFlags).toBe(TraceFlags.NONE);
  });

  it.each([
    'nonsense',
    '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
    '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
  ])('gives undefined for %s', (traceparent) => {
    expect(parseTraceContext({ traceparent })).toBeUndefined();
  });
});

describe('contextFromTraceContext', () => {
  it('makes the span the parent of the context', () => {
    const ctx = contextFromTraceContext(formatTraceContext(spanContext));
    expect(trace.getSpanContext(ctx)?.spanId).toBe(spanContext.spanId);
  });

  it('throws InvalidArgumentError on a malformed traceparent', () => {
    expect(() => contextFromTraceContext({ traceparent: 'x' })).toThrow(InvalidArgumentError);
  });
});

describe('jobTraceContext', () => {
  it('is undefined without a span and the span context with one', () => {
    expect(jobTraceContext(context.active())).toBeUndefined();
    const ctx = trace.setSpanContext(context.active(), spanContext);
    expect(jobTraceContext(ctx)?.traceparent).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
  });
});
