export { createVisualizer, type Visualizer, type VisualizerOptions } from './create-visualizer.js';
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
export {
  findStreamedText,
  findProgress,
  TEXT_FIELDS,
  type StreamedText,
  type Progress,
} from './context-fields.js';
export { VisualizerError, type VisualizerErrorCode } from './visualizer-error.js';
export type {
  VisualizerRecord,
  ActorRecord,
  EventRecord,
  SnapshotRecord,
  ActorInfo,
  ActorStatus,
  FullState,
} from './protocol.js';
