import type { Box, DiagramLayout } from './layout.js';

/** What makes a laid-out diagram hard to read, counted (see `layoutMetrics`). */
export interface LayoutMetrics {
  /** Pairs of arrow segments that cross (segments of one arrow, or touching ends, excluded). */
  crossings: number;
  /** Pairs of transition labels whose boxes intersect. */
  labelOverlaps: number;
  /** Labels that intersect a state or choice box they do not lie wholly inside of. */
  labelNodeOverlaps: number;
  width: number;
  height: number;
}

type Point = { x: number; y: number };

const EPSILON = 0.5;

/** True when two boxes share more than a hairline of area. */
export function intersects(a: Box, b: Box, margin = EPSILON): boolean {
  return (
    a.x + margin < b.x + b.width &&
    b.x + margin < a.x + a.width &&
    a.y + margin < b.y + b.height &&
    b.y + margin < a.y + a.height
  );
}

function inside(inner: Box, outer: Box): boolean {
  return (
    inner.x >= outer.x - EPSILON &&
    inner.y >= outer.y - EPSILON &&
    inner.x + inner.width <= outer.x + outer.width + EPSILON &&
    inner.y + inner.height <= outer.y + outer.height + EPSILON
  );
}

function orientation(a: Point, b: Point, c: Point): number {
  const value = (b.y - a.y) * (c.x - b.x) - (b.x - a.x) * (c.y - b.y);
  return Math.abs(value) < 1e-9 ? 0 : value > 0 ? 1 : -1;
}

/** Proper crossing of two segments: they cross at one point inside both (not at an end). */
export function segmentsCross(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const touches = (a: Point, b: Point) =>
    Math.abs(a.x - b.x) < EPSILON && Math.abs(a.y - b.y) < EPSILON;
  if (touches(p1, q1) || touches(p1, q2) || touches(p2, q1) || touches(p2, q2)) return false;
  const o1 = orientation(p1, p2, q1);
  const o2 = orientation(p1, p2, q2);
  const o3 = orientation(q1, q2, p1);
  const o4 = orientation(q1, q2, p2);
  return o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0 && o1 !== o2 && o3 !== o4;
}

/** Counts crossings and overlaps of a layout: the numbers the layout tests and the bench report. */
export function layoutMetrics(layout: DiagramLayout): LayoutMetrics {
  const segments = layout.edges.map((edge) =>
    edge.points.slice(1).map((point, i) => [edge.points[i]!, point] as const),
  );
  let crossings = 0;
  for (let a = 0; a < segments.length; a++) {
    for (let b = a + 1; b < segments.length; b++) {
      for (const [p1, p2] of segments[a]!) {
        for (const [q1, q2] of segments[b]!) if (segmentsCross(p1, p2, q1, q2)) crossings++;
      }
    }
  }
  const labels = layout.edges.flatMap((edge) => (edge.label === undefined ? [] : [edge.label]));
  let labelOverlaps = 0;
  for (let a = 0; a < labels.length; a++) {
    for (let b = a + 1; b < labels.length; b++) {
      if (intersects(labels[a]!, labels[b]!)) labelOverlaps++;
    }
  }
  const boxes: Box[] = [...layout.nodes, ...layout.choices];
  let labelNodeOverlaps = 0;
  for (const label of labels) {
    for (const box of boxes) {
      if (intersects(label, box) && !inside(label, box)) labelNodeOverlaps++;
    }
  }
  // A label wholly inside an atomic state hides that state's text.
  for (const label of labels) {
    for (const node of layout.nodes) {
      if (node.node.children.length === 0 && inside(label, node)) labelNodeOverlaps++;
    }
  }
  return {
    crossings,
    labelOverlaps,
    labelNodeOverlaps,
    width: Math.round(layout.width),
    height: Math.round(layout.height),
  };
}

/** The zoom that fits a `width` x `height` diagram into a viewport, never above `max`. */
export function fitScale(
  size: { width: number; height: number },
  viewport: { width: number; height: number },
  max = 1.5,
): number {
  if (size.width <= 0 || size.height <= 0) return 1;
  return Math.min(max, viewport.width / size.width, viewport.height / size.height);
}
