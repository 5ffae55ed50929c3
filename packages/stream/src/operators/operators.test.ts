import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { accumulateText } from './accumulate-text.js';
import { bufferForUi } from './buffer-for-ui.js';
import { end2, ev } from './marble-events.js';
import { textDeltas } from './text-deltas.js';
import { toCompletion } from './to-completion.js';
import { withUsage } from './with-usage.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

describe('textDeltas', () => {
  it('keeps only the text of text-delta events', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-a-t-b-e|', ev);
      expectObservable(source.pipe(textDeltas())).toBe('---x---y--|', { x: 'Hel', y: 'lo' });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('passes errors through and unsubscribes from the source when unsubscribed', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-#', ev, new Error('x'));
      expectObservable(source.pipe(textDeltas())).toBe(
        '-x-y-#',
        { x: 'Hel', y: 'lo' },
        new Error('x'),
      );
      const long = cold('-a-b-c-', ev);
      expectObservable(long.pipe(textDeltas()), '^--!').toBe('-x-', { x: 'Hel' });
      expectSubscriptions(long.subscriptions).toBe('^--!');
    });
  });
});

describe('accumulateText', () => {
  it('emits the text so far, and resets to empty on restart', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-a-r-s-a-b-e|', ev);
      expectObservable(source.pipe(accumulateText())).toBe('---x-y---x-z--|', {
        x: 'Hel',
        y: '',
        z: 'Hello',
      });
      expectSubscriptions(source.subscriptions).toBe('^-------------!');
    });
  });
});

describe('toCompletion', () => {
  it('emits once at response-end with the usage and the number of restarts', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-r-a-b-e|', ev);
      expectObservable(source.pipe(toCompletion())).toBe('---------x|', {
        x: {
          id: 'cmpl-1',
          model: 'm',
          text: 'Hello',
          toolCalls: [],
          finishReason: 'stop',
          usage: ev.e.usage,
          restarts: 1,
        },
      });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('completes without a value when the stream stops before its end', () => {
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b|', ev).pipe(toCompletion())).toBe('----|');
    });
  });
});

describe('bufferForUi', () => {
  it('merges the deltas of one window into one', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-abc------e|', ev);
      expectObservable(source.pipe(bufferForUi(5, scheduler))).toBe('-s------x---e|', {
        s: ev.s,
        x: { type: 'text-delta', text: 'Hello!', index: 0 },
        e: ev.e,
      });
      expectSubscriptions(source.subscriptions).toBe('^------------!');
    });
  });

  it('flushes pending text before any other event, keeping the order', () => {
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-ab-t-----e|', ev).pipe(bufferForUi(10, scheduler))).toBe(
        '----(xt)--e|',
        {
          x: { type: 'text-delta', text: 'Hello', index: 0 },
          t: ev.t,
          e: ev.e,
        },
      );
    });
  });

  it('flushes pending text before an error or completion', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const x = { type: 'text-delta', text: 'Hel', index: 0 };
      expectObservable(cold('-a-#', ev, new Error('cut')).pipe(bufferForUi(10, scheduler))).toBe(
        '---(x#)',
        { x },
        new Error('cut'),
      );
      expectObservable(cold('-a-|', ev).pipe(bufferForUi(10, scheduler))).toBe('---(x|)', { x });
    });
  });

  it('cancels its timer when unsubscribed', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-------', ev);
      expectObservable(source.pipe(bufferForUi(10, scheduler)), '^--!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});

describe('withUsage', () => {
  it('emits the running total of reported usage at each response-end', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-e-a-f|', { ...ev, f: end2 });
      expectObservable(source.pipe(withUsage())).toBe('---x---y|', {
        x: { promptTokens: 3, completionTokens: 2, totalTokens: 5 },
        y: { promptTokens: 13, completionTokens: 3, totalTokens: 16 },
      });
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  it('adds nothing for a response without usage', () => {
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-e|', { e: { ...ev.e, usage: undefined } }).pipe(withUsage())).toBe(
        '--|',
      );
    });
  });
});
