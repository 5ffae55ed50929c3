import elkModule from 'elkjs/lib/elk.bundled.js';
import type { ELK, ELKConstructorArguments, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { GraphEdge, GraphNode, MachineGraph } from '../machine-graph.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NodeLayout extends Box {
  node: GraphNode;
  /** Text lines drawn inside the state: invoked actors and transitions without a target. */
  lines: string[];
}

export interface EdgeLayout {
  id: string;
  /** `initial` for the arrow from an initial marker. */
  kind: GraphEdge['kind'] | 'initial';
  edge?: GraphEdge;
  points: Array<{ x: number; y: number }>;
  label?: Box & { text: string };
}

export interface DiagramLayout {
  width: number;
  height: number;
  /** Parents before children. */
  nodes: NodeLayout[];
  edges: EdgeLayout[];
  /** Initial markers (small filled circles). */
  markers: Box[];
}

const FONT = '12px system-ui, sans-serif';
const LINE_HEIGHT = 14;
const HEADER = 26;
// elk.bundled.js is CommonJS with `module.exports = ELK`; the bundler hands that over as default.
const ElkConstructor = elkModule as unknown as new (args?: ELKConstructorArguments) => ELK;
const elk = new ElkConstructor();
let context: CanvasRenderingContext2D | null | undefined;

/** Width of a text in the diagram font (estimated when no canvas is available). */
function textWidth(text: string): number {
  context ??= document.createElement('canvas').getContext('2d');
  if (context === null) return text.length * 7;
  context.font = FONT;
  return context.measureText(text).width;
}

/**
 * Lays out a machine graph with ELK (layered, left to right, hierarchy included): compound and
 * parallel states contain their children, each compound state gets an initial marker with an
 * arrow to its initial child, and every transition with a target becomes a routed, labelled edge.
 */
export async function layoutGraph(graph: MachineGraph): Promise<DiagramLayout> {
  const lines = new Map<string, string[]>();
  for (const node of graph.nodes) {
    lines.set(
      node.id,
      node.invoke.map((invoke) => `invoke ${invoke.src}`),
    );
  }
  for (const edge of graph.edges) {
    if (edge.targets.length === 0) {
      const actions = edge.actions.length > 0 ? ` / ${edge.actions.join(', ')}` : '';
      lines.get(edge.source)?.push(`${edge.label}${actions}`);
    }
  }

  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const initialOf = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (node.initial && node.parentId !== null) initialOf.set(node.parentId, node);
  }
  const markerIds = new Set<string>();
  const edges: ElkExtendedEdge[] = [];
  const toElk = (node: GraphNode): ElkNode => {
    const own = lines.get(node.id) ?? [];
    const labelWidth = Math.max(textWidth(node.key), ...own.map(textWidth));
    let elkNode: ElkNode;
    if (node.type === 'history') {
      elkNode = { id: node.id, width: 28, height: 28 };
    } else if (node.children.length === 0) {
      elkNode = {
        id: node.id,
        width: Math.max(64, Math.ceil(labelWidth) + 24),
        height: 30 + own.length * LINE_HEIGHT,
      };
    } else {
      const children: ElkNode[] = [];
      const initial = initialOf.get(node.id);
      if (initial !== undefined && node.type === 'compound') {
        const markerId = `${node.id}::initial`;
        markerIds.add(markerId);
        children.push({ id: markerId, width: 10, height: 10 });
        edges.push({ id: `${markerId}->`, sources: [markerId], targets: [initial.id] });
      }
      for (const childId of node.children) {
        children.push(toElk(byId.get(childId)!));
      }
      elkNode = {
        id: node.id,
        children,
        width: Math.ceil(labelWidth) + 24,
        height: HEADER + own.length * LINE_HEIGHT,
        layoutOptions: {
          'elk.padding': `[top=${HEADER + 6 + own.length * LINE_HEIGHT},left=12,bottom=12,right=12]`,
          'elk.nodeSize.constraints': 'MINIMUM_SIZE',
          'elk.nodeSize.minimum': `(${Math.ceil(labelWidth) + 24}, ${HEADER + own.length * LINE_HEIGHT + 20})`,
        },
      };
    }
    return elkNode;
  };
  const rootElk = toElk(byId.get(graph.rootId)!);

  for (const edge of graph.edges) {
    edge.targets.forEach((target, i) => {
      edges.push({
        id: `${edge.id}->${i}`,
        sources: [edge.source],
        targets: [target],
        labels: [
          {
            text: edge.label,
            width: Math.ceil(textWidth(edge.label)) + 8,
            height: LINE_HEIGHT + 2,
          },
        ],
      });
    });
  }

  const input: ElkNode = {
    id: '__diagram',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.json.edgeCoords': 'ROOT',
      'elk.json.shapeCoords': 'ROOT',
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.spacing.edgeLabel': '3',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: [rootElk],
    edges,
  };
  const result: ElkNode = await elk.layout(input);

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
  for (const child of result.children ?? []) walk(child);

  const edgeById = new Map(graph.edges.map((edge) => [edge.id, edge]));
  const layout: DiagramLayout = {
    width: result.width ?? 0,
    height: result.height ?? 0,
    nodes: graph.nodes.map((node) => ({
      ...boxes.get(node.id)!,
      node,
      lines: lines.get(node.id) ?? [],
    })),
    edges: [],
    markers: [...markerIds].map((id) => boxes.get(id)!),
  };
  for (const edge of result.edges ?? []) {
    const section = edge.sections?.[0];
    if (section === undefined) continue;
    const graphEdge = edgeById.get(edge.id.replace(/->\d*$/, ''));
    const label = edge.labels?.[0];
    layout.edges.push({
      id: edge.id,
      kind: graphEdge?.kind ?? 'initial',
      ...(graphEdge === undefined ? {} : { edge: graphEdge }),
      points: [section.startPoint, ...(section.bendPoints ?? []), section.endPoint],
      ...(label === undefined
        ? {}
        : {
            label: {
              x: label.x ?? 0,
              y: label.y ?? 0,
              width: label.width ?? 0,
              height: label.height ?? 0,
              text: label.text ?? '',
            },
          }),
    });
  }
  return layout;
}
