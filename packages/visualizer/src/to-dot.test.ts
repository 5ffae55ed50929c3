import { setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { toDot } from './to-dot.js';

describe('toDot', () => {
  it('renders clusters, initial points, final and history shapes and labelled edges', () => {
    const machine = setup({}).createMachine({
      id: 'doc',
      initial: 'draft',
      states: {
        draft: { on: { 'doc.submit': 'review' } },
        review: {
          initial: 'reading',
          states: { reading: {}, back: { type: 'history' } },
          on: { 'doc.accept': 'published' },
          after: { 500: 'draft' },
        },
        published: { type: 'final' },
      },
    });
    const dot = toDot(machine);
    expect(dot).toMatch(/^digraph "doc" \{/);
    expect(dot).toContain('subgraph "cluster_doc.review" {');
    expect(dot).toContain('"doc.review.__initial" -> "doc.review.reading";');
    expect(dot).toContain('"doc.published" [label="published", peripheries=2];');
    expect(dot).toContain('"doc.review.back" [shape=circle, label="H"];');
    expect(dot).toContain(
      '"doc.draft" -> "doc.review" [label="doc.submit", lhead="cluster_doc.review"];',
    );
    expect(dot).toContain(
      '"doc.review" -> "doc.draft" [label="after 500ms", ltail="cluster_doc.review", style=dashed];',
    );
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });
});
