import elkModule from 'elkjs/lib/elk.bundled.js';
import type { ELK, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { GraphEdge, GraphNode, MachineGraph } from '../machine-graph.js';
import { diagramModel, writeArrowsAsLines, type ModelArrow } from './diagram-model.js';
import { layoutMetrics } from './layout-metrics.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NodeLayout extends Box {
  node: GraphNode;
  /** Text lines drawn inside the state: invoked actors and the triggers that stay in it. */
  lines: string[];
}

export interface ChoiceLayout extends Box {
  id: string;
  trigger: string;
}

export interface EdgeLayout {
  id: string;
  /** `initial` for the arrow from an initial marker; `choice` for a state -> choice arrow. */
  kind: GraphEdge['kind'] | 'initial';
  /** The transitions the arrow stands for (empty for initial arrows). */
  edges: GraphEdge[];
  points: Array<{ x: number; y: number }>;
  label?: Box & { lines: string[] };
  /** True for the arrow from a state into its choice point (drawn without an arrow head). */
  toChoice?: boolean;
}

export type Direction = 'RIGHT' | 'DOWN';

export interface DiagramLayout {
  width: number;
  height: number;
  direction: Direction;
  /** The aspect ratio long chains were wrapped towards, if they were. */
  wrap?: number;
  /** Arrows written as lines in their source state because they could not be routed. */
  written: string[];
  /** Parents before children. */
  nodes: NodeLayout[];
  choices: ChoiceLayout[];
  edges: EdgeLayout[];
  /** Initial markers (small filled circles). */
  markers: Box[];
  /**
   * Arrows ELK returned no route, or a broken one, for (see `reaches`; it happens when it wraps
   * long chains): they are not drawn, so `chooseLayout` never picks such a layout while another
   * one routes every arrow.
   */
  unrouted: string[];
}

/** Font sizes and line heights of the diagram, in diagram units (px at zoom 1). */
export const DIAGRAM_FONT = {
  family: 'system-ui, sans-serif',
  /** State names (bold). */
  state: 14,
  /** Lines inside states and transition labels. */
  label: 12,
  lineHeight: 15,
} as const;

const HEADER = 21;
const PAD = 6;

export interface LayoutOptions {
  direction?: Direction;
  /**
   * Wrap long chains of states towards this width/height ratio (machines without nested states
   * only).
   */
  wrap?: number;
  /** Width of a text at a font size (px); defaults to a canvas measurement, else an estimate. */
  measure?: (text: string, size: number, bold: boolean) => number;
  /** Arrows written as lines in their source state (see `writeArrowsAsLines`). */
  written?: ReadonlySet<string>;
}

// elk.bundled.js is CommonJS with `module.exports = ELK`; the bundler hands that over as default.
const ElkConstructor = elkModule as unknown as new (args?: ELKConstructorArguments) => ELK;
let elk: ELK | undefined;
let context: CanvasRenderingContext2D | null | undefined;

/** Width of a text in the diagram font (estimated when no canvas is available). */
export function measureText(text: string, size: number, bold: boolean): number {
  if (context === undefined) {
    context =
      typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  }
  if (context === null) return estimateWidth(text, size, bold);
  context.font = `${bold ? '600 ' : ''}${size}px ${DIAGRAM_FONT.family}`;
  return context.measureText(text).width;
}

/** A generous estimate of a text's width for places without a canvas (tests, benchmarks). */
export function estimateWidth(text: string, size: number, bold: boolean): number {
  return text.length * size * (bold ? 0.62 : 0.58);
}

/**
 * ELK options chosen by the size of the machine: small machines get a thorough crossing
 * minimisation and straight, balanced placement; big ones a faster one and a more compact
 * placement. Orthogonal routing, hierarchy included (transitions may cross state borders), and
 * declaration order as the tie-breaker so that the diagram reads in the order the machine is
 * written.
 */
export function elkOptions(
  direction: Direction,
  size: { nodes: number; edges: number; nested: boolean; wrap?: number | undefined },
): Record<string, string> {
  const big = size.nodes + size.edges > 120;
  const options: Record<string, string> = {
    'elk.algorithm': 'layered',
    'elk.direction': direction,
    'elk.edgeRouting': 'ORTHOGONAL',
    'elk.json.edgeCoords': 'ROOT',
    'elk.json.shapeCoords': 'ROOT',
    'elk.layered.crossingMinimization.thoroughness': big ? '7' : '40',
    'elk.layered.nodePlacement.strategy': big ? 'LINEAR_SEGMENTS' : 'BRANDES_KOEPF',
    'elk.layered.nodePlacement.bk.fixedAlignment': 'BALANCED',
    'elk.spacing.nodeNode': '8',
    'elk.layered.spacing.nodeNodeBetweenLayers': '8',
    'elk.spacing.edgeNode': '4',
    'elk.spacing.edgeEdge': '5',
    'elk.layered.spacing.edgeEdgeBetweenLayers': '5',
    'elk.layered.spacing.edgeNodeBetweenLayers': '3',
    'elk.spacing.edgeLabel': '2',
    'elk.spacing.labelLabel': '4',
  };
  if (size.nested) {
    // Transitions between states of different parents are routed across the borders.
    options['elk.hierarchyHandling'] = 'INCLUDE_CHILDREN';
  } else {
    // Flat machines: declaration order decides which arrows point backwards and breaks ties,
    // so that the diagram reads in the order the machine is written. (ELK 0.12 fails on these
    // options when the hierarchy is laid out as one graph.)
    options['elk.layered.cycleBreaking.strategy'] = 'MODEL_ORDER';
    options['elk.layered.considerModelOrder.strategy'] = 'NODES_AND_EDGES';
    // Unconnected states (reached only through lines such as `user.close → closed`) take a
    // place in the first layer instead of a row of their own.
    options['elk.separateConnectedComponents'] = 'false';
    if (size.wrap !== undefined) {
      // A long chain of states is cut into pieces laid side by side, towards this aspect ratio.
      options['elk.layered.wrapping.strategy'] = 'MULTI_EDGE';
      options['elk.aspectRatio'] = size.wrap.toFixed(2);
    }
  }
  return options;
}

/**
 * Lays out a machine graph with ELK: compound and parallel states contain their children, each
 * compound state gets an initial marker with an arrow to its initial child, triggers that stay in
 * a state are written inside it, guarded alternatives meet in a choice point, and every other
 * transition becomes a routed arrow with its label on it (see `diagramModel`).
 */
export async function layoutGraph(
  graph: MachineGraph,
  options: LayoutOptions = {},
): Promise<DiagramLayout> {
  const direction = options.direction ?? 'RIGHT';
  const measure = options.measure ?? measureText;
  const model = writeArrowsAsLines(diagramModel(graph), options.written ?? new Set());
  const lines = new Map(model.states.map((state) => [state.node.id, state.lines]));
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const choicesIn = new Map<string, typeof model.choices>();
  for (const choice of model.choices) {
    const source = byId.get(choice.source);
    const parent = source?.parentId ?? choice.source;
    const list = choicesIn.get(parent) ?? [];
    list.push(choice);
    choicesIn.set(parent, list);
  }
  const initialOf = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (node.initial && node.parentId !== null) initialOf.set(node.parentId, node);
  }

  const { state: stateSize, label: labelSize, lineHeight } = DIAGRAM_FONT;
  const root = byId.get(graph.rootId)!;
  // Counted before the ELK graph is built: the options depend on the machine's size and depth.
  const elkLayout = elkOptions(direction, {
    nodes: graph.nodes.length + model.choices.length,
    edges: model.arrows.length,
    nested: root.children.some((id) => (byId.get(id)?.children.length ?? 0) > 0),
    wrap: options.wrap,
  });
  const markerIds = new Set<string>();
  const choiceIds = new Set(model.choices.map((choice) => choice.id));
  const edges: ElkExtendedEdge[] = [];
  const toElk = (node: GraphNode): ElkNode => {
    const own = lines.get(node.id) ?? [];
    const textWidth = Math.max(
      measure(node.key, stateSize, true) + (node.type === 'parallel' ? 60 : 0),
      ...own.map((line) => measure(line, labelSize, false)),
    );
    const width = Math.ceil(textWidth) + 2 * PAD + 4;
    const height = HEADER + own.length * lineHeight + (own.length > 0 ? 4 : 0);
    if (node.type === 'history') return { id: node.id, width: 28, height: 28 };
    const choices = choicesIn.get(node.id) ?? [];
    if (node.children.length === 0 && choices.length === 0) {
      return { id: node.id, width: Math.max(60, width), height: Math.max(30, height) };
    }
    const children: ElkNode[] = [];
    const initial = initialOf.get(node.id);
    if (initial !== undefined && node.type === 'compound') {
      const markerId = `${node.id}::initial`;
      markerIds.add(markerId);
      children.push({ id: markerId, width: 10, height: 10 });
      edges.push({ id: `${markerId}->`, sources: [markerId], targets: [initial.id] });
    }
    // Each choice point follows its state in model order, so that declaration order also
    // orders the branches.
    for (const childId of node.children) {
      children.push(toElk(byId.get(childId)!));
      for (const choice of choices) {
        if (choice.source === childId) children.push({ id: choice.id, width: 14, height: 14 });
      }
    }
    for (const choice of choices) {
      if (!node.children.includes(choice.source)) {
        children.push({ id: choice.id, width: 14, height: 14 });
      }
    }
    return {
      id: node.id,
      children,
      layoutOptions: {
        'elk.padding': `[top=${height + 4},left=${PAD},bottom=${PAD},right=${PAD}]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${width}, ${height + 20})`,
      },
    };
  };
  // The machine's own box is the ELK graph itself; its children are laid out inside it.
  const rootElk = toElk(root);
  rootElk.children ??= [];
  rootElk.layoutOptions = { ...rootElk.layoutOptions, ...elkLayout };

  const arrowById = new Map<string, ModelArrow>();
  for (const arrow of model.arrows) {
    arrowById.set(arrow.id, arrow);
    const text = arrow.lines.map((line) => measure(line, labelSize, false));
    edges.push({
      id: arrow.id,
      sources: [arrow.source],
      targets: [arrow.target],
      labels: [
        {
          text: arrow.lines.join('\n'),
          width: Math.ceil(Math.max(...text)) + 4,
          height: arrow.lines.length * lineHeight + 2,
          layoutOptions: {
            // On the arrow, in the middle: each label gets its own slot between two layers, so
            // labels never cover each other or a state.
            'elk.edgeLabels.placement': 'CENTER',
            'elk.edgeLabels.inline': 'true',
          },
        },
      ],
    });
  }

  rootElk.edges = edges;
  elk ??= new ElkConstructor();
  const result: ElkNode = await elk.layout(rootElk);

  const boxes = new Map<string, Box>();
  const walk = (node: ElkNode): void => {
    boxes.set(node.id, {
      x: node.x ?? 0,
      y: node.y ?? 0,
      width: node.width ?? 0,
      height: node.height ?? 0,
    });
    for (const child of node.children ?? []) walk(child);
  };
  walk(result);

  const layout: DiagramLayout = {
    width: result.width ?? 0,
    height: result.height ?? 0,
    direction,
    ...(options.wrap === undefined ? {} : { wrap: options.wrap }),
    written: [...(options.written ?? [])],
    nodes: graph.nodes.map((node) => ({
      ...boxes.get(node.id)!,
      node,
      lines: lines.get(node.id) ?? [],
    })),
    choices: model.choices.map((choice) => ({
      ...boxes.get(choice.id)!,
      id: choice.id,
      trigger: choice.trigger,
    })),
    edges: [],
    markers: [...markerIds].map((id) => boxes.get(id)!),
    unrouted: [],
  };
  for (const edge of result.edges ?? []) {
    const section = edge.sections?.[0];
    const points =
      section === undefined
        ? []
        : [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    if (!reaches(points, boxes.get(edge.sources[0]!), boxes.get(edge.targets[0]!))) {
      layout.unrouted.push(edge.id);
      continue;
    }
    const arrow = arrowById.get(edge.id);
    const label = edge.labels?.[0];
    const toChoice = arrow !== undefined && choiceIds.has(arrow.target);
    layout.edges.push({
      id: edge.id,
      kind: arrow === undefined ? 'initial' : arrow.kind,
      edges: arrow?.edges ?? [],
      points,
      ...(label === undefined || arrow === undefined
        ? {}
        : {
            label: {
              x: label.x ?? 0,
              y: label.y ?? 0,
              width: label.width ?? 0,
              height: label.height ?? 0,
              lines: arrow.lines,
            },
          }),
      ...(toChoice ? { toChoice } : {}),
    });
  }
  return layout;
}

/**
 * True when a route goes from the source's box to the target's box with horizontal and vertical
 * segments only. ELK's wrapping sometimes returns no route, or one cut short with a slanted last
 * segment, for arrows that cross from one piece of a wrapped chain to another.
 */
function reaches(
  points: ReadonlyArray<{ x: number; y: number }>,
  source: Box | undefined,
  target: Box | undefined,
): boolean {
  if (points.length < 2 || source === undefined || target === undefined) return false;
  const near = (point: { x: number; y: number }, box: Box): boolean =>
    point.x >= box.x - 2 &&
    point.x <= box.x + box.width + 2 &&
    point.y >= box.y - 2 &&
    point.y <= box.y + box.height + 2;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (Math.abs(a.x - b.x) > 0.5 && Math.abs(a.y - b.y) > 0.5) return false;
  }
  return near(points[0]!, source) && near(points.at(-1)!, target);
}

/**
 * Lays the machine out left to right and top to bottom, each plain and (for flat machines of up to
 * 150 states and transitions) wrapped towards the panel's shape and towards a narrower and a wider
 * one (ELK's wrapping overshoots or undershoots the ratio it is given), and returns the one that
 * shows the whole machine largest in `panel` (each crossing costs 3 %). ELK occasionally fails on a
 * wrapped layout, or leaves arrows of it without a whole route; such candidates are skipped (the plain
 * ones remain).
 */
export async function chooseLayout(
  graph: MachineGraph,
  panel: { width: number; height: number },
  measure?: LayoutOptions['measure'],
  /** Called with each layout that beats the ones before it, as soon as it is known. */
  onBetter?: (layout: DiagramLayout) => void,
): Promise<DiagramLayout> {
  const aspect = panel.width / Math.max(1, panel.height);
  const nested = graph.nodes.some((node) => node.parentId !== null && node.children.length > 0);
  const candidates: LayoutOptions[] = [{ direction: 'RIGHT' }, { direction: 'DOWN' }];
  // Wrapping only applies to flat machines; very big ones are not laid out eight times.
  if (!nested && graph.nodes.length + graph.edges.length <= 150) {
    for (const wrap of [aspect * 0.6, aspect, aspect * 1.4]) {
      candidates.push({ direction: 'RIGHT', wrap }, { direction: 'DOWN', wrap });
    }
  }
  let best: { layout: DiagramLayout; score: number } | undefined;
  let incomplete: DiagramLayout | undefined;
  let failure: unknown;
  const tried = new Set<string>();
  for (const candidate of candidates) {
    // ELK runs on the page's thread: between two layouts the page handles input and paints.
    await new Promise((resolve) => setTimeout(resolve, 0));
    let layout: DiagramLayout;
    try {
      layout = await layoutGraph(graph, { ...candidate, ...(measure ? { measure } : {}) });
      // Two wrap ratios often give the same cuts: the second is not worked on again.
      const seen = `${layout.direction} ${layout.width}x${layout.height} ${layout.unrouted.join()}`;
      if (tried.has(seen)) continue;
      tried.add(seen);
      // A wrapped layout whose arrows ELK could not all route: those arrows are written in their
      // states instead, and the machine laid out again (a few times at most).
      const written = new Set<string>();
      for (let round = 0; round < 3 && candidate.wrap !== undefined; round++) {
        if (layout.unrouted.length === 0) break;
        for (const id of layout.unrouted) written.add(id);
        // Not laid out again when, even a fifth smaller, it could not beat the best so far.
        const bound = (1.25 * scaleIn(panel, layout)) / (1 + 0.1 * written.size);
        if (best !== undefined && bound <= best.score) break;
        layout = await layoutGraph(graph, {
          ...candidate,
          written,
          ...(measure ? { measure } : {}),
        });
      }
    } catch (error) {
      failure = error;
      continue;
    }
    if (layout.unrouted.length > 0) {
      incomplete ??= layout;
      continue;
    }
    const score =
      scaleIn(panel, layout) /
      (1 + 0.03 * layoutMetrics(layout).crossings + 0.1 * layout.written.length);
    if (best === undefined || score > best.score * 1.02) {
      best = { layout, score };
      onBetter?.(layout);
    }
  }
  if (best !== undefined) return best.layout;
  if (incomplete !== undefined) return incomplete;
  throw failure;
}

/** The zoom that shows the whole layout in the panel. */
function scaleIn(panel: { width: number; height: number }, layout: DiagramLayout): number {
  return Math.min(panel.width / layout.width, panel.height / layout.height);
}
