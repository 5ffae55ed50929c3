import { describe, expect, it } from 'vitest';
import { faultLabel, parseFault } from './fault.js';
import { FaultInjector } from './fault-injector.js';

describe('parseFault', () => {
  it('reads every documented fault', () => {
    expect(parseFault('429')).toEqual({ kind: 'status', status: 429, retryAfter: 1 });
    expect(parseFault('429:12')).toEqual({ kind: 'status', status: 429, retryAfter: 12 });
    expect(parseFault('500')).toEqual({ kind: 'status', status: 500 });
    expect(parseFault(' 503 ')).toEqual({ kind: 'status', status: 503 });
    expect(parseFault('timeout')).toEqual({ kind: 'timeout' });
    expect(parseFault('drop-after:0')).toEqual({ kind: 'drop-after', chunks: 0 });
    expect(parseFault('slow:250')).toEqual({ kind: 'slow', ms: 250 });
  });

  it('rejects anything else', () => {
    for (const bad of [
      '',
      '404',
      '500:1',
      'drop-after',
      'drop-after:-1',
      'slow:1.5',
      'timeout:3',
      'explode',
    ]) {
      expect(parseFault(bad), bad).toBeUndefined();
    }
  });

  it('labels faults for stats', () => {
    expect(faultLabel(parseFault('429:3')!)).toBe('429');
    expect(faultLabel(parseFault('drop-after:2')!)).toBe('drop-after');
  });
});

describe('FaultInjector', () => {
  it('fires a header fault on the first k attempts of a key only', () => {
    const injector = new FaultInjector(undefined);
    const headers = { 'x-emulator-fault': '500', 'x-emulator-fault-times': '2' };
    const fired = [1, 2, 3].map(() => injector.fromHeaders(headers, () => 'same body'));
    expect(fired.map((f) => (f && 'fault' in f ? 'fault' : 'none'))).toEqual([
      'fault',
      'fault',
      'none',
    ]);
    expect(injector.fromHeaders(headers, () => 'another body')).toEqual({
      fault: { kind: 'status', status: 500 },
    });
    expect(injector.fromHeaders({ 'x-emulator-fault': 'nope' }, () => '')).toEqual({
      invalid: 'nope',
    });
  });

  it('draws global faults reproducibly from the seed', () => {
    const draw = () => {
      const injector = new FaultInjector({ rate: 0.3, seed: 9, kinds: ['500', 'timeout'] });
      return Array.from({ length: 50 }, () => injector.draw()?.kind ?? '-');
    };
    const a = draw();
    expect(a).toEqual(draw());
    const faults = a.filter((k) => k !== '-').length;
    expect(faults).toBeGreaterThan(5);
    expect(faults).toBeLessThan(30);
  });
});
