import type { GraphNode, MachineGraph } from './machine-graph.js';

/** A lookup of a graph's states by id, for the text renderers; throws on unknown ids. */
export function stateLookup(graph: MachineGraph): (id: string) => GraphNode {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  return (id) => {
    const found = byId.get(id);
    if (found === undefined) throw new Error(`unknown state node ${id}`);
    return found;
  };
}
