import type { GraphNode, MachineGraph } from './machine-graph.js';

/** Lookups over a `MachineGraph` shared by the text renderers and the page. */
export interface GraphIndex {
  node(id: string): GraphNode;
  /** The node with this path (`'a.b'`; `''` for the root), if any. */
  byPath(path: string): GraphNode | undefined;
  /**
   * The compound state whose block should hold a transition between two states: the deepest
   * common ancestor that contains both strictly (a self-loop on the root belongs to the root).
   */
  transitionScope(source: string, target: string): string;
}

export function graphIndex(graph: MachineGraph): GraphIndex {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const byPath = new Map(graph.nodes.map((node) => [node.path.join('.'), node]));
  const node = (id: string): GraphNode => {
    const found = byId.get(id);
    if (found === undefined) throw new Error(`unknown state node ${id}`);
    return found;
  };
  const ancestors = (id: string): string[] => {
    const chain: string[] = [];
    for (let current = byId.get(id)?.parentId; current; current = byId.get(current)?.parentId) {
      chain.push(current);
    }
    return chain;
  };
  return {
    node,
    byPath: (path) => byPath.get(path),
    transitionScope(source, target) {
      const targetAncestors = new Set(ancestors(target));
      const common = ancestors(source).find((id) => targetAncestors.has(id));
      return common ?? graph.rootId;
    },
  };
}
