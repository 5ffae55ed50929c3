import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MachineGraph } from '../machine-graph.js';
import { machineGraph } from '../machine-graph.js';
import { jobMachine } from '../../test/fixtures/machines.js';
import { estimateWidth, layoutGraph } from './layout.js';
import { layoutMetrics, segmentsCross } from './layout-metrics.js';

const fixture = (name: string): MachineGraph =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/graphs/${name}.json`, import.meta.url), 'utf8'),
  ) as MachineGraph;

describe('layoutGraph', () => {
  for (const name of ['conversation', 'batch', 'batchRun']) {
    for (const direction of ['RIGHT', 'DOWN'] as const) {
      it(`lays out ${name} (${direction}) with no label over another label or a state`, async () => {
        const layout = await layoutGraph(fixture(name), { direction, measure: estimateWidth });
        const metrics = layoutMetrics(layout);
        expect(metrics.labelOverlaps).toBe(0);
        expect(metrics.labelNodeOverlaps).toBe(0);
        expect(metrics.crossings).toBeLessThanOrEqual(5);
      });
    }
  }

  it('keeps children inside their parallel and compound parents', async () => {
    const layout = await layoutGraph(machineGraph(jobMachine), { measure: estimateWidth });
    const byId = new Map(layout.nodes.map((node) => [node.node.id, node]));
    for (const node of layout.nodes) {
      const parent = node.node.parentId === null ? undefined : byId.get(node.node.parentId);
      if (parent === undefined) continue;
      expect(node.x).toBeGreaterThanOrEqual(parent.x);
      expect(node.y).toBeGreaterThanOrEqual(parent.y);
      expect(node.x + node.width).toBeLessThanOrEqual(parent.x + parent.width);
      expect(node.y + node.height).toBeLessThanOrEqual(parent.y + parent.height);
    }
    expect(layout.markers).toHaveLength(2);
  });
});

describe('segmentsCross', () => {
  it('counts a proper crossing, not touching ends', () => {
    const p = (x: number, y: number) => ({ x, y });
    expect(segmentsCross(p(0, 5), p(10, 5), p(5, 0), p(5, 10))).toBe(true);
    expect(segmentsCross(p(0, 5), p(10, 5), p(10, 5), p(10, 10))).toBe(false);
    expect(segmentsCross(p(0, 5), p(10, 5), p(0, 6), p(10, 6))).toBe(false);
  });
});
