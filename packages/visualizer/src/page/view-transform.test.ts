import { describe, expect, it } from 'vitest';
import {
  boxInView,
  centerOn,
  fitTransform,
  keepInside,
  unionBox,
  zoomAt,
} from './view-transform.js';

const panel = { width: 800, height: 500 };

describe('fitTransform', () => {
  it('centres the whole diagram as large as fits, up to the maximum zoom', () => {
    const t = fitTransform({ width: 400, height: 200 }, panel, { padding: 0, maxZoom: 10 });
    expect(t.k).toBe(2);
    expect(t).toEqual({ k: 2, x: 0, y: 50 });
    expect(fitTransform({ width: 100, height: 100 }, panel).k).toBe(1.5);
  });

  it('stays at the readable zoom and centres the focus when the diagram is too big', () => {
    const diagram = { width: 4000, height: 3000 };
    const focus = { x: 2000, y: 1500, width: 100, height: 50 };
    const t = fitTransform(diagram, panel, { minZoom: 0.9, focus });
    expect(t.k).toBe(0.9);
    expect(boxInView(focus, t, panel)).toBe(true);
    expect(fitTransform(diagram, panel, { minZoom: 0.9, padding: 12 })).toEqual({
      k: 0.9,
      x: 12,
      y: 12,
    });
  });
});

describe('zoomAt', () => {
  it('keeps the point under the pointer in place', () => {
    const t = zoomAt({ x: 10, y: 20, k: 1 }, 2, 110, 220);
    // Diagram point (100, 200) was at (110, 220) and stays there.
    expect(100 * t.k + t.x).toBe(110);
    expect(200 * t.k + t.y).toBe(220);
  });

  it('clamps the zoom', () => {
    expect(zoomAt({ x: 0, y: 0, k: 1 }, 1000, 0, 0).k).toBe(4);
    expect(zoomAt({ x: 0, y: 0, k: 1 }, 0.0001, 0, 0).k).toBe(0.1);
  });
});

describe('keepInside', () => {
  it('does not let a big diagram leave an empty margin', () => {
    const t = keepInside({ x: 500, y: -5000, k: 1 }, { width: 2000, height: 1000 }, panel, 10);
    expect(t).toEqual({ k: 1, x: 10, y: -510 });
  });

  it('centres a diagram smaller than the panel', () => {
    expect(keepInside({ x: 0, y: 0, k: 1 }, { width: 200, height: 100 }, panel)).toEqual({
      k: 1,
      x: 300,
      y: 200,
    });
  });
});

describe('centerOn, unionBox', () => {
  it('centres the union of boxes', () => {
    const box = unionBox([
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 90, y: 40, width: 10, height: 10 },
    ])!;
    expect(box).toEqual({ x: 0, y: 0, width: 100, height: 50 });
    expect(centerOn(box, panel, 1)).toEqual({ k: 1, x: 350, y: 225 });
    expect(unionBox([])).toBeUndefined();
  });
});
