import { activePaths } from '../active-paths.js';
import type { GraphEdge, MachineGraph } from '../machine-graph.js';
import type { SnapshotRecord } from '../protocol.js';
import { h, s } from './dom.js';
import {
  chooseLayout,
  DIAGRAM_FONT,
  type Box,
  type DiagramLayout,
  type EdgeLayout,
  type NodeLayout,
} from './layout.js';
import { layoutMetrics } from './layout-metrics.js';
import {
  boxInView,
  centerOn,
  fitTransform,
  keepInside,
  unionBox,
  zoomAt,
  type Size,
  type Transform,
} from './view-transform.js';

/**
 * A panel's shape class: its aspect ratio in steps of about 19 % (a quarter of a doubling). A
 * layout is chosen again only when the panel moves to another class.
 */
export function shapeOf(panel: Size): number {
  return Math.round(Math.log2(panel.width / panel.height) * 4);
}

/** The zoom at which transition labels are drawn at 11 px: "fit" never goes below it. */
export const READABLE_ZOOM = 11 / DIAGRAM_FONT.label;
const PAN_STEP = 60;
const ZOOM_STEP = 1.25;

export interface DiagramControls {
  zoomIn: HTMLButtonElement;
  zoomOut: HTMLButtonElement;
  fit: HTMLButtonElement;
  whole: HTMLButtonElement;
  follow: HTMLButtonElement;
  zoomLabel: HTMLElement;
}

/**
 * Draws the selected actor's statechart as SVG in a pannable, zoomable view and highlights its
 * active states. The layout is chosen for the panel's shape (see `chooseLayout`), and chosen again
 * when the panel changes shape (Focus, a splitter, the window): each shape's layout is kept.
 *
 * Navigation: wheel zooms at the pointer, dragging pans, `+` `-` zoom, arrow keys pan, `0` fits,
 * `9` shows the whole machine, `f` toggles following the active state. When the panel is resized
 * a fitted or whole view is fitted again; a view the user panned or zoomed stays as it is.
 */
export class Diagram {
  readonly #container: HTMLElement;
  readonly #controls: DiagramControls;
  readonly #layouts = new Map<string, Promise<DiagramLayout>>();
  #graphId: string | undefined;
  #request = 0;
  #layout: DiagramLayout | undefined;
  #viewport: SVGGElement | undefined;
  #transform: Transform = { x: 0, y: 0, k: 1 };
  /** `fit` or `whole` until the user pans or zooms: that view is applied again on a resize. */
  #view: 'fit' | 'whole' | 'free' = 'fit';
  #graph: MachineGraph | undefined;
  /** The panel shape the drawn layout was chosen for (see `shapeOf`). */
  #shape: number | undefined;
  /** The graph whose layout is on the screen (perhaps not the chosen one yet). */
  #drawnGraph: string | undefined;
  #message = '';
  #follow = true;
  #states = new Map<string, SVGGElement>();
  #boxes = new Map<string, NodeLayout>();
  #pathById = new Map<string, string>();
  #edges: Array<{ element: SVGGElement; edges: GraphEdge[] }> = [];
  #active = new Set<string>();
  #pending: { snapshot?: SnapshotRecord; previous?: SnapshotRecord } = {};
  /** Resolves when the graph asked for last is drawn (for tests and benchmarks). */
  ready: Promise<void> = Promise.resolve();

  constructor(container: HTMLElement, controls: DiagramControls) {
    this.#container = container;
    this.#controls = controls;
    container.tabIndex = 0;
    this.#listen();
  }

  /** The current pan and zoom. */
  get transform(): Transform {
    return { ...this.#transform };
  }

  /** Shows a machine graph (no-op when it is already shown); `undefined` shows a message. */
  show(graphId: string | undefined, graph: MachineGraph | undefined, message = ''): void {
    if (graphId === this.#graphId && graph !== undefined) return;
    this.#graphId = graphId;
    this.#graph = graph;
    this.#message = message;
    this.#view = 'fit';
    this.#render();
  }

  /** Lays out (or takes the kept layout of) the current graph for the panel's shape, and draws it. */
  #render(): void {
    const graphId = this.#graphId;
    const graph = this.#graph;
    const request = ++this.#request;
    if (graphId === undefined || graph === undefined) {
      this.#clear();
      this.#drawnGraph = undefined;
      this.#container.replaceChildren(h('p', { class: 'diagram-empty' }, this.#message));
      this.#container.dataset.graph = '';
      this.ready = Promise.resolve();
      return;
    }
    // Another shape of the machine on the screen stays until its new layout is drawn.
    if (this.#drawnGraph !== graphId) {
      this.#clear();
      this.#container.replaceChildren(h('p', { class: 'diagram-empty' }, 'Laying out…'));
    }
    const panel = this.#panel();
    const shape = shapeOf(panel);
    const key = `${shape}:${graphId}`;
    let layout = this.#layouts.get(key);
    if (layout === undefined) {
      // The best layout so far is drawn as soon as it is known (the plain ones come first), unless
      // the user has moved the view; the chosen one replaces it when every candidate is done.
      layout = chooseLayout(graph, panel, undefined, (better) => {
        if (request === this.#request && (this.#view !== 'free' || this.#layout === undefined)) {
          this.#present(better, graphId, undefined);
        }
      });
      this.#layouts.set(key, layout);
    }
    this.ready = layout.then(
      (result) => {
        if (request !== this.#request) return;
        if (result !== this.#layout) this.#present(result, graphId, shape);
        this.#shape = shape;
        this.#container.dataset.graph = graphId;
        this.#container.dataset.shape = String(shape);
        this.#container.dataset.unrouted = String(result.unrouted.length);
        this.#container.dataset.direction = result.direction;
        this.#container.dataset.wrapped = String(result.wrap !== undefined);
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
   * Draws a layout of the graph and applies the current view to it. `data-graph` (and the shape)
   * are set by the caller once the chosen layout is drawn, so that they name a settled drawing.
   */
  #present(layout: DiagramLayout, graphId: string, shape: number | undefined): void {
    const transform = this.#transform;
    this.#clear();
    this.#draw(layout);
    this.#drawnGraph = graphId;
    this.#shape = shape;
    this.highlight(this.#pending.snapshot, this.#pending.previous);
    if (this.#view === 'whole') this.whole();
    else if (this.#view === 'fit') this.fit();
    else this.#apply(transform);
  }

  #clear(): void {
    this.#states = new Map();
    this.#boxes = new Map();
    this.#pathById = new Map();
    this.#edges = [];
    this.#active = new Set();
    this.#layout = undefined;
    this.#viewport = undefined;
    this.#shape = undefined;
  }

  /**
   * Marks the states active in `snapshot`, and the transitions its event may have taken from
   * the states active in `previous`; when following, brings the active states into view.
   */
  highlight(snapshot: SnapshotRecord | undefined, previous?: SnapshotRecord): void {
    this.#pending = { ...(snapshot ? { snapshot } : {}), ...(previous ? { previous } : {}) };
    if (this.#states.size === 0) return;
    const next = new Set(snapshot?.value === undefined ? [] : activePaths(snapshot.value));
    let changed = next.size !== this.#active.size;
    for (const path of this.#active) {
      if (!next.has(path)) {
        this.#states.get(path)?.classList.remove('active');
        changed = true;
      }
    }
    for (const path of next) this.#states.get(path)?.classList.add('active');
    this.#active = next;
    const before = new Set(previous?.value === undefined ? [] : activePaths(previous.value));
    for (const { element, edges } of this.#edges) {
      const taken =
        snapshot !== undefined &&
        edges.some((edge) => {
          const source = this.#pathById.get(edge.source);
          return edge.event === snapshot.event && source !== undefined && before.has(source);
        });
      element.classList.toggle('taken', taken);
    }
    if (changed && this.#follow) this.#bringActiveIntoView();
  }

  /** Fits the diagram to the panel, never below the readable zoom (then centres the active states). */
  fit(): void {
    if (this.#layout === undefined) return;
    const focus = this.#activeBox();
    this.#apply(
      fitTransform(this.#layout, this.#panel(), {
        minZoom: READABLE_ZOOM,
        ...(focus === undefined ? {} : { focus }),
      }),
    );
    this.#view = 'fit';
  }

  /** Shows the whole machine, however small that makes it. */
  whole(): void {
    if (this.#layout === undefined) return;
    this.#apply(fitTransform(this.#layout, this.#panel()));
    this.#view = 'whole';
  }

  /** Zooms by a factor around the panel's centre (or a point in it). */
  zoomBy(factor: number, point?: { x: number; y: number }): void {
    const panel = this.#panel();
    const { x, y } = point ?? { x: panel.width / 2, y: panel.height / 2 };
    this.#apply(zoomAt(this.#transform, factor, x, y));
    this.#view = 'free';
  }

  /** Moves the view by a number of panel pixels. */
  panBy(dx: number, dy: number): void {
    const t = this.#transform;
    this.#apply({ k: t.k, x: t.x + dx, y: t.y + dy });
    this.#view = 'free';
  }

  /** Turns following the active state on or off. */
  setFollow(on: boolean): void {
    this.#follow = on;
    this.#controls.follow.classList.toggle('on', on);
    this.#controls.follow.setAttribute('aria-pressed', String(on));
    if (on) this.#bringActiveIntoView();
  }

  /** Crossings and overlaps of the drawn layout (for tests and the benchmark). */
  metrics(): ReturnType<typeof layoutMetrics> | undefined {
    return this.#layout === undefined ? undefined : layoutMetrics(this.#layout);
  }

  #panel(): Size {
    return {
      width: Math.max(1, this.#container.clientWidth),
      height: Math.max(1, this.#container.clientHeight),
    };
  }

  #activeBox(): Box | undefined {
    const leaves = [...this.#active].filter(
      (path) => ![...this.#active].some((other) => other.startsWith(`${path}.`) || path === ''),
    );
    return unionBox(
      leaves.flatMap((path) => {
        const box = this.#boxes.get(path);
        return box === undefined ? [] : [box];
      }),
    );
  }

  #bringActiveIntoView(): void {
    if (this.#layout === undefined) return;
    const box = this.#activeBox();
    const panel = this.#panel();
    if (box === undefined || boxInView(box, this.#transform, panel)) return;
    this.#apply(keepInside(centerOn(box, panel, this.#transform.k), this.#layout, panel));
  }

  #apply(t: Transform): void {
    this.#transform = t;
    this.#viewport?.setAttribute('transform', `translate(${t.x} ${t.y}) scale(${t.k})`);
    this.#container.dataset.zoom = t.k.toFixed(4);
    this.#container.dataset.panX = t.x.toFixed(1);
    this.#container.dataset.panY = t.y.toFixed(1);
    this.#controls.zoomLabel.textContent = `${Math.round(t.k * 100)}%`;
  }

  #listen(): void {
    const container = this.#container;
    const controls = this.#controls;
    container.addEventListener(
      'wheel',
      (event) => {
        if (this.#layout === undefined) return;
        event.preventDefault();
        const rect = container.getBoundingClientRect();
        // Pixel deltas from wheels and trackpads; lines (Firefox) are about 16 px each.
        const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
        this.zoomBy(Math.exp(-delta * 0.0015), {
          x: event.clientX - rect.left,
          y: event.clientY - rect.top,
        });
      },
      { passive: false },
    );
    let drag: { id: number; x: number; y: number } | undefined;
    container.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || this.#layout === undefined) return;
      drag = { id: event.pointerId, x: event.clientX, y: event.clientY };
      container.setPointerCapture(event.pointerId);
      container.classList.add('dragging');
    });
    container.addEventListener('pointermove', (event) => {
      if (drag === undefined || drag.id !== event.pointerId) return;
      this.panBy(event.clientX - drag.x, event.clientY - drag.y);
      drag = { id: event.pointerId, x: event.clientX, y: event.clientY };
    });
    const end = (event: PointerEvent): void => {
      if (drag?.id !== event.pointerId) return;
      drag = undefined;
      container.classList.remove('dragging');
    };
    container.addEventListener('pointerup', end);
    container.addEventListener('pointercancel', end);
    container.addEventListener('keydown', (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      const actions: Record<string, () => void> = {
        '+': () => this.zoomBy(ZOOM_STEP),
        '=': () => this.zoomBy(ZOOM_STEP),
        '-': () => this.zoomBy(1 / ZOOM_STEP),
        '0': () => this.fit(),
        '9': () => this.whole(),
        f: () => this.setFollow(!this.#follow),
        ArrowLeft: () => this.panBy(PAN_STEP, 0),
        ArrowRight: () => this.panBy(-PAN_STEP, 0),
        ArrowUp: () => this.panBy(0, PAN_STEP),
        ArrowDown: () => this.panBy(0, -PAN_STEP),
      };
      const action = actions[event.key];
      if (action === undefined) return;
      event.preventDefault();
      action();
    });
    controls.zoomIn.addEventListener('click', () => this.zoomBy(ZOOM_STEP));
    controls.zoomOut.addEventListener('click', () => this.zoomBy(1 / ZOOM_STEP));
    controls.fit.addEventListener('click', () => this.fit());
    controls.whole.addEventListener('click', () => this.whole());
    controls.follow.addEventListener('click', () => this.setFollow(!this.#follow));
    new ResizeObserver(() => {
      if (this.#layout === undefined || this.#view === 'free') return;
      // A panel of another shape gets the layout chosen for that shape.
      if (shapeOf(this.#panel()) !== this.#shape) this.#render();
      else if (this.#view === 'fit') this.fit();
      else this.whole();
    }).observe(container);
  }

  #draw(layout: DiagramLayout): void {
    this.#layout = layout;
    const svg = s('svg', { class: 'diagram', role: 'img', 'aria-label': 'statechart' });
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
    const viewport = s('g', { class: 'viewport' });
    this.#viewport = viewport;
    const states = s('g', { class: 'states' });
    const types = new Map(layout.nodes.map((node) => [node.node.id, node.node.type]));
    for (const node of layout.nodes) {
      const element = this.#drawState(node, types);
      states.append(element);
      const path = node.node.path.join('.');
      this.#states.set(path, element);
      this.#boxes.set(path, node);
      this.#pathById.set(node.node.id, path);
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
    for (const choice of layout.choices) {
      const cx = choice.x + choice.width / 2;
      const cy = choice.y + choice.height / 2;
      const r = choice.width / 2;
      markers.append(
        s(
          'path',
          {
            class: 'choice',
            d: `M ${cx} ${cy - r} L ${cx + r} ${cy} L ${cx} ${cy + r} L ${cx - r} ${cy} Z`,
          },
          s('title', {}, `choice: ${choice.trigger}`),
        ),
      );
    }
    const edges = s('g', { class: 'edges' });
    const labels = s('g', { class: 'edge-labels' });
    for (const edge of layout.edges) {
      const [path, label] = drawEdge(edge);
      edges.append(path);
      if (label !== undefined) labels.append(label);
      if (edge.edges.length > 0) {
        this.#edges.push({ element: path, edges: edge.edges });
        if (label !== undefined) this.#edges.push({ element: label, edges: edge.edges });
      }
    }
    viewport.append(states, edges, markers, labels);
    svg.append(viewport);
    this.#container.replaceChildren(svg);
    this.#apply(this.#transform);
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
    group.append(s('text', { x: x + 8, y: y + 18, class: 'state-label' }, node.key));
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
      const invoke = line.startsWith('invoke ');
      group.append(
        s(
          'text',
          {
            x: x + 8,
            y: y + 18 + (i + 1) * DIAGRAM_FONT.lineHeight + 2,
            class: invoke ? 'state-line state-invoke' : 'state-line state-event',
          },
          line,
        ),
      );
    });
    return group;
  }
}

function drawEdge(edge: EdgeLayout): [SVGGElement, SVGGElement | undefined] {
  const group = s('g', { class: `edge edge-${edge.kind}`, 'data-edge': edge.id });
  const d = edge.points.map((point, i) => `${i === 0 ? 'M' : 'L'} ${point.x} ${point.y}`).join(' ');
  group.append(s('path', edge.toChoice === true ? { d } : { d, 'marker-end': 'url(#arrow)' }));
  if (edge.label === undefined) return [group, undefined];
  const { x, y, width, height, lines } = edge.label;
  const label = s('g', { class: `edge-label-group edge-${edge.kind}`, 'data-edge': edge.id });
  label.append(s('rect', { class: 'edge-label-bg', x, y, width, height, rx: 3, ry: 3 }));
  lines.forEach((line, i) => {
    label.append(
      s(
        'text',
        {
          class: 'edge-label',
          x: x + width / 2,
          y: y + (i + 1) * DIAGRAM_FONT.lineHeight - 2,
          'text-anchor': 'middle',
        },
        line,
      ),
    );
  });
  label.append(s('title', {}, edge.edges.map((item) => describe(item)).join('\n')));
  return [group, label];
}

/** The tooltip of a transition: trigger, guard and actions. */
function describe(edge: GraphEdge): string {
  return edge.actions.length === 0 ? edge.label : `${edge.label} / ${edge.actions.join(', ')}`;
}
