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
export { serialize, type SerializeOptions, type SerializedValue } from './serialize.js';
export { isSecretKey, REDACTED } from './secret-key.js';
