import type { AnyStateMachine } from 'xstate';
import { stateLookup } from './state-lookup.js';
import {
  machineGraph,
  type GraphEdge,
  type GraphNode,
  type MachineGraph,
} from './machine-graph.js';

export interface MermaidOptions {
  /** Layout direction of the diagram (`direction LR`); Mermaid's default when omitted. */
  direction?: 'TB' | 'BT' | 'LR' | 'RL';
}

/**
 * Renders a machine (or a graph from `machineGraph`) as a Mermaid `stateDiagram-v2`: compound
 * states as nested blocks, parallel regions separated by `--`, `[*]` for initial and final
 * states, `H`/`H*` for history states, and every transition labelled with its event and guard.
 * Transitions without a target are drawn as self-loops. A parallel root, or a root with
 * transitions of its own, is drawn as one state around the others.
 *
 * @example
 * ```ts
 * writeFileSync('diagram.md', '```mermaid\n' + toMermaid(conversationMachine) + '\n```\n');
 * ```
 *
 * @see machineGraph
 */
export function toMermaid(
  machine: AnyStateMachine | MachineGraph,
  options: MermaidOptions = {},
): string {
  const graph = isGraph(machine) ? machine : machineGraph(machine);
  const stateById = stateLookup(graph);
  const names = mermaidNames(graph.nodes);
  const root = stateById(graph.rootId);
  const touchesRoot = (edge: GraphEdge): boolean =>
    edge.source === root.id || edge.targets.includes(root.id);
  // A parallel root, or one with transitions of its own, is drawn as a state around the rest:
  // Mermaid has no other way to draw regions at the top level or edges of the whole chart.
  const wrapped = root.type === 'parallel' || graph.edges.some(touchesRoot);
  // Mermaid moves a state into the block where a transition names it, so a transition between
  // siblings goes in their parent's block and any other one at the top level.
  const TOP = '';
  const edgesByBlock = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const targets = edge.targets.length > 0 ? edge.targets : [edge.source];
    for (const target of targets) {
      const parent = stateById(edge.source).parentId;
      const block =
        parent !== null && parent === stateById(target).parentId && !touchesRoot(edge)
          ? parent
          : TOP;
      const line = `${names.get(edge.source)} --> ${names.get(target)} : ${mermaidText(edge.label)}`;
      edgesByBlock.set(block, [...(edgesByBlock.get(block) ?? []), line]);
    }
  }

  const lines = ['stateDiagram-v2'];
  if (options.direction !== undefined) lines.push(`  direction ${options.direction}`);
  const emitBlock = (node: GraphNode, indent: string): void => {
    const children = node.children.map((id) => stateById(id));
    if (node.type === 'parallel') {
      children.forEach((region, i) => {
        if (i > 0) lines.push(`${indent}--`);
        emitState(region, indent);
      });
    } else {
      for (const child of children) {
        if (child.initial) lines.push(`${indent}[*] --> ${names.get(child.id)}`);
      }
      for (const child of children) emitState(child, indent);
    }
    for (const child of children) {
      if (child.type === 'final') lines.push(`${indent}${names.get(child.id)} --> [*]`);
    }
    for (const line of edgesByBlock.get(node.id) ?? []) lines.push(indent + line);
  };
  const emitState = (node: GraphNode, indent: string): void => {
    const name = names.get(node.id)!;
    const label = node.type === 'history' ? (node.history === 'deep' ? 'H*' : 'H') : node.key;
    if (node.children.length === 0) {
      lines.push(`${indent}state "${mermaidText(label)}" as ${name}`);
      return;
    }
    lines.push(`${indent}state "${mermaidText(label)}" as ${name} {`);
    emitBlock(node, `${indent}  `);
    lines.push(`${indent}}`);
  };
  if (wrapped) {
    lines.push(`  [*] --> ${names.get(root.id)}`);
    emitState(root, '  ');
    for (const line of edgesByBlock.get(TOP) ?? []) lines.push(`  ${line}`);
  } else {
    emitBlock(root, '  ');
    for (const line of edgesByBlock.get(TOP) ?? []) lines.push(`  ${line}`);
  }
  return lines.join('\n');
}

function isGraph(value: AnyStateMachine | MachineGraph): value is MachineGraph {
  return Array.isArray((value as Partial<MachineGraph>).nodes);
}

/** Words Mermaid reads as keywords (`root` is its own name for the whole diagram). */
const RESERVED = new Set([
  'root',
  'state',
  'note',
  'direction',
  'class',
  'classdef',
  'style',
  'click',
  'end',
  'hide',
  'scale',
]);

/** Mermaid identifiers: the state path (the machine id for the root) joined with `_`, made unique. */
function mermaidNames(nodes: GraphNode[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const node of nodes) {
    const path = node.path.length === 0 ? [node.key] : node.path;
    const base = path.join('_').replace(/\W/g, '_');
    let name = /^\d/.test(base) || RESERVED.has(base.toLowerCase()) ? `s_${base}` : base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    names.set(node.id, name);
  }
  return names;
}

/** Keeps labels within what Mermaid parses: no quotes, colons, semicolons, hashes or braces. */
function mermaidText(text: string): string {
  return text
    .replace(/[":;#{}]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
