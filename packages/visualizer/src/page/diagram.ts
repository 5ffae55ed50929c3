import { activePaths } from '../active-paths.js';
import type { GraphEdge, MachineGraph } from '../machine-graph.js';
import type { SnapshotRecord } from '../protocol.js';
import { h, s } from './dom.js';
import { layoutGraph, type DiagramLayout, type EdgeLayout, type NodeLayout } from './layout.js';

/**
 * Draws the selected actor's statechart as SVG and highlights its active states. Layouts are
 * computed once per machine graph and cached.
 */
export class Diagram {
  readonly #container: HTMLElement;
  readonly #layouts = new Map<string, Promise<DiagramLayout>>();
  #graphId: string | undefined;
  #request = 0;
  #states = new Map<string, SVGGElement>();
  #pathById = new Map<string, string>();
  #edges: Array<{ element: SVGGElement; edge: GraphEdge }> = [];
  #active = new Set<string>();
  #pending: { snapshot?: SnapshotRecord; previous?: SnapshotRecord } = {};
  /** Resolves when the graph asked for last is drawn (for tests and benchmarks). */
  ready: Promise<void> = Promise.resolve();

  constructor(container: HTMLElement) {
    this.#container = container;
  }

  /** Shows a machine graph (no-op when it is already shown); `undefined` shows a message. */
  show(graphId: string | undefined, graph: MachineGraph | undefined, message = ''): void {
    if (graphId === this.#graphId && graph !== undefined) return;
    this.#graphId = graphId;
    const request = ++this.#request;
    this.#states = new Map();
    this.#pathById = new Map();
    this.#edges = [];
    this.#active = new Set();
    if (graphId === undefined || graph === undefined) {
      this.#container.replaceChildren(h('p', { class: 'diagram-empty' }, message));
      this.#container.dataset.graph = '';
      this.ready = Promise.resolve();
      return;
    }
    this.#container.replaceChildren(h('p', { class: 'diagram-empty' }, 'Laying out…'));
    let layout = this.#layouts.get(graphId);
    if (layout === undefined) {
      layout = layoutGraph(graph);
      this.#layouts.set(graphId, layout);
    }
    this.ready = layout.then(
      (result) => {
        if (request !== this.#request) return;
        this.#draw(result);
        this.#container.dataset.graph = graphId;
        this.highlight(this.#pending.snapshot, this.#pending.previous);
      },
      (error: unknown) => {
        if (request !== this.#request) return;
        this.#container.replaceChildren(
          h(
            'p',
            { class: 'diagram-empty' },
            `Layout failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
      },
    );
  }

  /**
   * Marks the states active in `snapshot`, and the transitions its event may have taken from
   * the states active in `previous`.
   */
  highlight(snapshot: SnapshotRecord | undefined, previous?: SnapshotRecord): void {
    this.#pending = { ...(snapshot ? { snapshot } : {}), ...(previous ? { previous } : {}) };
    if (this.#states.size === 0) return;
    const next = new Set(snapshot?.value === undefined ? [] : activePaths(snapshot.value));
    for (const path of this.#active) {
      if (!next.has(path)) this.#states.get(path)?.classList.remove('active');
    }
    for (const path of next) this.#states.get(path)?.classList.add('active');
    this.#active = next;
    const before = new Set(previous?.value === undefined ? [] : activePaths(previous.value));
    for (const { element, edge } of this.#edges) {
      const source = this.#pathById.get(edge.source);
      const taken =
        snapshot !== undefined &&
        edge.event === snapshot.event &&
        source !== undefined &&
        before.has(source);
      element.classList.toggle('taken', taken);
    }
  }

  #draw(layout: DiagramLayout): void {
    const svg = s('svg', {
      class: 'diagram',
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      width: layout.width,
      height: layout.height,
      role: 'img',
    });
    svg.append(
      s(
        'defs',
        {},
        s(
          'marker',
          {
            id: 'arrow',
            viewBox: '0 0 10 10',
            refX: 9,
            refY: 5,
            markerWidth: 7,
            markerHeight: 7,
            orient: 'auto-start-reverse',
          },
          s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }),
        ),
      ),
    );
    const states = s('g', { class: 'states' });
    const types = new Map(layout.nodes.map((node) => [node.node.id, node.node.type]));
    for (const node of layout.nodes) {
      const element = this.#drawState(node, types);
      states.append(element);
      this.#states.set(node.node.path.join('.'), element);
      this.#pathById.set(node.node.id, node.node.path.join('.'));
    }
    const markers = s('g', { class: 'markers' });
    for (const marker of layout.markers) {
      markers.append(
        s('circle', {
          class: 'initial-marker',
          cx: marker.x + marker.width / 2,
          cy: marker.y + marker.height / 2,
          r: marker.width / 2,
        }),
      );
    }
    const edges = s('g', { class: 'edges' });
    for (const edge of layout.edges) {
      const element = drawEdge(edge);
      edges.append(element);
      if (edge.edge !== undefined) this.#edges.push({ element, edge: edge.edge });
    }
    svg.append(states, edges, markers);
    this.#container.replaceChildren(svg);
  }

  #drawState(layout: NodeLayout, types: Map<string, string>): SVGGElement {
    const { node, x, y, width, height } = layout;
    const classes = ['state', `state-${node.type}`];
    if (node.parentId !== null && types.get(node.parentId) === 'parallel')
      classes.push('state-region');
    if (node.parentId === null) classes.push('state-root');
    const group = s('g', {
      class: classes.join(' '),
      'data-path': node.path.join('.'),
      'data-id': node.id,
      'data-key': node.key,
    });
    group.append(s('title', {}, node.id));
    if (node.type === 'history') {
      group.append(
        s('circle', { cx: x + width / 2, cy: y + height / 2, r: width / 2 }),
        s(
          'text',
          {
            x: x + width / 2,
            y: y + height / 2 + 4,
            'text-anchor': 'middle',
            class: 'state-label',
          },
          node.history === 'deep' ? 'H*' : 'H',
        ),
      );
      return group;
    }
    group.append(s('rect', { x, y, width, height, rx: 8, ry: 8 }));
    if (node.type === 'final') {
      group.append(
        s('rect', {
          class: 'final-inner',
          x: x + 3,
          y: y + 3,
          width: width - 6,
          height: height - 6,
          rx: 6,
          ry: 6,
        }),
      );
    }
    group.append(s('text', { x: x + 10, y: y + 18, class: 'state-label' }, node.key));
    if (node.type === 'parallel') {
      group.append(
        s(
          'text',
          { x: x + width - 8, y: y + 18, 'text-anchor': 'end', class: 'state-kind' },
          'parallel',
        ),
      );
    }
    layout.lines.forEach((line, i) => {
      group.append(s('text', { x: x + 10, y: y + 18 + (i + 1) * 14, class: 'state-line' }, line));
    });
    return group;
  }
}

function drawEdge(edge: EdgeLayout): SVGGElement {
  const group = s('g', { class: `edge edge-${edge.kind}`, 'data-edge': edge.id });
  const d = edge.points.map((point, i) => `${i === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' ');
  group.append(s('path', { d, 'marker-end': 'url(#arrow)' }));
  if (edge.label !== undefined) {
    const { x, y, width, height, text } = edge.label;
    group.append(
      s('rect', { class: 'edge-label-bg', x, y, width, height, rx: 3, ry: 3 }),
      s(
        'text',
        { class: 'edge-label', x: x + width / 2, y: y + height - 4, 'text-anchor': 'middle' },
        text,
      ),
    );
  }
  return group;
}
