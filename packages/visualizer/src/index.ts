export {
  machineGraph,
  guardName,
  type MachineGraph,
  type GraphNode,
  type GraphNodeType,
  type GraphEdge,
  type GraphEdgeKind,
} from './machine-graph.js';
export { toMermaid, type MermaidOptions } from './to-mermaid.js';
export { toDot } from './to-dot.js';
