import type { MistralFlowsEvents } from '@mistral-flows/core';
import { describe, expect, it, vi } from 'vitest';
import { EventBus } from './event-bus.js';

describe('EventBus', () => {
  it('delivers typed payloads to listeners and observables of that type only', () => {
    const bus = new EventBus<MistralFlowsEvents>();
    const chunks: string[] = [];
    const starts: string[] = [];
    const off = bus.on('chat:chunk', ({ content }) => chunks.push(content));
    const sub = bus.on('chat:start').subscribe(({ model }) => starts.push(model));
    bus.emit('chat:start', { requestId: 'r', model: 'm' });
    bus.emit('chat:chunk', { requestId: 'r', content: 'a', index: 0 });
    off();
    bus.emit('chat:chunk', { requestId: 'r', content: 'b', index: 1 });
    sub.unsubscribe();
    expect(chunks).toEqual(['a']);
    expect(starts).toEqual(['m']);
  });

  it('keeps delivering to other listeners when one throws, and reports it', () => {
    const onListenerError = vi.fn();
    const bus = new EventBus<MistralFlowsEvents>({ onListenerError });
    const received: number[] = [];
    bus.on('chat:chunk', () => {
      throw new Error('listener bug');
    });
    bus.on('chat:chunk', ({ index }) => received.push(index));
    bus.emit('chat:chunk', { requestId: 'r', content: 'a', index: 0 });
    bus.emit('chat:chunk', { requestId: 'r', content: 'b', index: 1 });
    expect(received).toEqual([0, 1]);
    expect(onListenerError).toHaveBeenCalledTimes(2);
    expect(onListenerError.mock.calls[0]?.[1]).toBe('chat:chunk');
  });

  it('exposes every event on events$ and completes them all', () => {
    const bus = new EventBus<MistralFlowsEvents>();
    const types: string[] = [];
    let completed = false;
    bus.events$.subscribe({ next: (e) => types.push(e.type), complete: () => (completed = true) });
    bus.emit('batch:stuck', { key: 'k', jobId: 'j', status: 'QUEUED', sinceMs: 1 });
    bus.complete();
    expect(types).toEqual(['batch:stuck']);
    expect(completed).toBe(true);
  });
});
