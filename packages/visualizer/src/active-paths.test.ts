import { describe, expect, it } from 'vitest';
import { activePaths } from './active-paths.js';

describe('activePaths', () => {
  it('lists the root and every active state of a nested or parallel value', () => {
    expect(activePaths('idle')).toEqual(['', 'idle']);
    expect(activePaths({ red: 'walk' })).toEqual(['', 'red', 'red.walk']);
    expect(activePaths({ p: { r1: 'x', r2: { y: 'z' } } })).toEqual([
      '',
      'p',
      'p.r1',
      'p.r1.x',
      'p.r2',
      'p.r2.y',
      'p.r2.y.z',
    ]);
    expect(activePaths({})).toEqual(['']);
  });
});
