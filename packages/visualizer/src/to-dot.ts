import type { AnyStateMachine } from 'xstate';
import { stateLookup } from './state-lookup.js';
import { machineGraph, type GraphNode, type MachineGraph } from './machine-graph.js';

/**
 * Renders a machine (or a graph from `machineGraph`) as a Graphviz `digraph`: compound and
 * parallel states as clusters (parallel regions dashed), a point for each initial marker, double
 * borders for final states, `H`/`H*` circles for history states, and labelled transitions.
 *
 * @example
 * ```ts
 * writeFileSync('batch.dot', toDot(batchMachine)); // dot -Tsvg batch.dot > batch.svg
 * ```
 *
 * @see machineGraph, toMermaid
 */
export function toDot(machine: AnyStateMachine | MachineGraph): string {
  const graph = Array.isArray((machine as Partial<MachineGraph>).nodes)
    ? (machine as MachineGraph)
    : machineGraph(machine as AnyStateMachine);
  const stateById = stateLookup(graph);
  const lines = [
    `digraph ${quote(graph.id)} {`,
    '  compound=true;',
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="sans-serif"];',
    '  edge [fontname="sans-serif", fontsize=10];',
  ];
  const isCluster = (node: GraphNode): boolean => node.children.length > 0;

  const emit = (node: GraphNode, indent: string): void => {
    if (!isCluster(node)) {
      lines.push(`${indent}${quote(node.id)} [${leafAttributes(node)}];`);
      return;
    }
    const parent = node.parentId === null ? undefined : stateById(node.parentId);
    const dashed = parent?.type === 'parallel' ? ' style=dashed;' : '';
    lines.push(`${indent}subgraph ${quote(`cluster_${node.id}`)} {`);
    lines.push(
      `${indent}  label=${quote(node.type === 'parallel' ? `${node.key} (parallel)` : node.key)};${dashed}`,
    );
    // An invisible anchor stands for the cluster itself as an edge end.
    lines.push(`${indent}  ${quote(node.id)} [shape=point, style=invis];`);
    const initial = node.children.map((id) => stateById(id)).filter((child) => child.initial);
    for (const child of initial) {
      const marker = `${node.id}.__initial`;
      lines.push(`${indent}  ${quote(marker)} [shape=point, width=0.12];`);
      lines.push(`${indent}  ${quote(marker)} -> ${quote(child.id)}${clusterHead(child)};`);
    }
    for (const childId of node.children) emit(stateById(childId), `${indent}  `);
    lines.push(`${indent}}`);
  };
  const clusterHead = (node: GraphNode): string =>
    isCluster(node) ? ` [lhead=${quote(`cluster_${node.id}`)}]` : '';

  emit(stateById(graph.rootId), '  ');
  for (const edge of graph.edges) {
    const source = stateById(edge.source);
    const targets = edge.targets.length > 0 ? edge.targets : [edge.source];
    for (const targetId of targets) {
      const target = stateById(targetId);
      const attributes = [`label=${quote(edge.label)}`];
      if (isCluster(source)) attributes.push(`ltail=${quote(`cluster_${source.id}`)}`);
      if (isCluster(target) && target !== source) {
        attributes.push(`lhead=${quote(`cluster_${target.id}`)}`);
      }
      if (edge.kind !== 'event') attributes.push('style=dashed');
      lines.push(`  ${quote(source.id)} -> ${quote(target.id)} [${attributes.join(', ')}];`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

function leafAttributes(node: GraphNode): string {
  if (node.type === 'history') {
    return `shape=circle, label=${quote(node.history === 'deep' ? 'H*' : 'H')}`;
  }
  if (node.type === 'final') return `label=${quote(node.key)}, peripheries=2`;
  return `label=${quote(node.key)}`;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
