import type { AnyStateMachine } from 'xstate';

/** The kind of a state node, as XState reports it. */
export type GraphNodeType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** One state of a machine, flattened out of the `StateNode` tree. */
export interface GraphNode {
  /** XState's state node id (`machineId.parent.child` unless the state sets its own `id`). */
  id: string;
  /** The key under its parent's `states`; the machine id for the root. */
  key: string;
  /** Keys from the root down to this state; `[]` for the root. Matches the snapshot `value`. */
  path: string[];
  parentId: string | null;
  type: GraphNodeType;
  /** For history states: `'shallow'` or `'deep'`. */
  history?: 'shallow' | 'deep';
  /** True when the parent enters this state first (the parent's `initial`). */
  initial: boolean;
  /** Ids of the child states, in declaration order. */
  children: string[];
  entry: string[];
  exit: string[];
  /** Actors invoked while the state is active (`src` is the name given in `setup({ actors })`). */
  invoke: Array<{ id: string; src: string }>;
  tags: string[];
  description?: string;
}

/**
 * What triggers a transition: a named event, an eventless `always`, a delayed `after`, the
 * completion (`onDone`) or failure (`onError`) of an invoked actor, the completion of a compound
 * state (`onDone` on the state), or the wildcard `*`.
 */
export type GraphEdgeKind =
  'event' | 'always' | 'after' | 'invoke-done' | 'invoke-error' | 'state-done' | 'wildcard';

/** One transition. Transitions without a target (actions only) have `targets: []`. */
export interface GraphEdge {
  id: string;
  source: string;
  targets: string[];
  kind: GraphEdgeKind;
  /** The event type XState matches (`''` for `always`, `xstate.after.<delay>.<id>` for `after`). */
  event: string;
  /** A short human label: `user.send`, `always`, `after 500ms`, `done: fetchUser`, with ` [guard]`. */
  label: string;
  /** The guard's name, or a readable composition such as `and(isReady, not(isBusy))`. */
  guard?: string;
  /** For `after` transitions: the delay in milliseconds or its name from `setup({ delays })`. */
  delay?: number | string;
  actions: string[];
  reenter: boolean;
}

/** A machine definition as plain data: every state and every transition. */
export interface MachineGraph {
  /** The machine id. */
  id: string;
  rootId: string;
  /** Every state node, parents before children, in declaration order. */
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The parts of XState's `StateNode` read here (its public properties). */
interface StateNodeLike {
  id: string;
  key: string;
  path: string[];
  type: GraphNodeType;
  history: false | 'shallow' | 'deep';
  states: Record<string, StateNodeLike>;
  parent?: StateNodeLike;
  entry: unknown[];
  exit: unknown[];
  tags: string[];
  description?: string;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  invoke: Array<{ id: string; src: unknown }>;
  initial: { target: ReadonlyArray<{ id: string }> };
}

interface TransitionLike {
  eventType: string;
  target?: ReadonlyArray<{ id: string }>;
  guard?: unknown;
  actions: unknown[];
  reenter: boolean;
  delay?: unknown;
}

/**
 * Extracts the statechart of an XState v5 machine as plain, serialisable data: nested, parallel,
 * history and final states with their initial markers, and every transition labelled with its
 * event, guard, delay (`after`), eventless (`always`) or invoke outcome (`onDone`/`onError`).
 *
 * @example
 * ```ts
 * const graph = machineGraph(trafficLightMachine);
 * graph.nodes.map((node) => node.path.join('.')); // ['', 'green', 'yellow', 'red']
 * ```
 *
 * @see toMermaid, toDot for text renderings of the same graph.
 */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const root = machine.root as unknown as StateNodeLike;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  visit(root, false, nodes, edges);
  return { id: machine.id, rootId: root.id, nodes, edges };
}

function visit(
  node: StateNodeLike,
  initial: boolean,
  nodes: GraphNode[],
  edges: GraphEdge[],
): void {
  const children = Object.values(node.states);
  const initialIds = new Set(
    node.type === 'compound' ? node.initial.target.map((target) => target.id) : [],
  );
  const graphNode: GraphNode = {
    id: node.id,
    key: node.key,
    path: [...node.path],
    parentId: node.parent?.id ?? null,
    type: node.type,
    initial,
    children: children.map((child) => child.id),
    entry: node.entry.map(actionName),
    exit: node.exit.map(actionName),
    invoke: node.invoke.map((invoke) => ({ id: invoke.id, src: sourceName(invoke.src) })),
    tags: [...node.tags],
  };
  if (node.type === 'history') graphNode.history = node.history === 'deep' ? 'deep' : 'shallow';
  if (node.description !== undefined) graphNode.description = node.description;
  nodes.push(graphNode);

  const transitions: TransitionLike[] = [];
  for (const list of node.transitions.values()) transitions.push(...list);
  transitions.push(...(node.always ?? []));
  for (const transition of transitions) {
    edges.push(toEdge(node, transition, `${node.id}#${edges.length}`));
  }
  for (const child of children) visit(child, initialIds.has(child.id), nodes, edges);
}

function toEdge(node: StateNodeLike, transition: TransitionLike, id: string): GraphEdge {
  const event = transition.eventType;
  const { kind, label } = describeTrigger(node, transition);
  const guard = guardName(transition.guard);
  const edge: GraphEdge = {
    id,
    source: node.id,
    targets: (transition.target ?? []).map((target) => target.id),
    kind,
    event,
    label: guard === undefined ? label : `${label} [${guard}]`,
    actions: transition.actions.map(actionName),
    reenter: transition.reenter,
  };
  if (guard !== undefined) edge.guard = guard;
  if (
    kind === 'after' &&
    (typeof transition.delay === 'number' || typeof transition.delay === 'string')
  ) {
    edge.delay = transition.delay;
  }
  return edge;
}

const DONE_ACTOR = 'xstate.done.actor.';
const ERROR_ACTOR = 'xstate.error.actor.';

function describeTrigger(
  node: StateNodeLike,
  transition: TransitionLike,
): { kind: GraphEdgeKind; label: string } {
  const event = transition.eventType;
  if (event === '') return { kind: 'always', label: 'always' };
  if (event === '*') return { kind: 'wildcard', label: '*' };
  if (event.startsWith('xstate.after.')) {
    const delay = transition.delay;
    const text = typeof delay === 'number' ? `${delay}ms` : typeof delay === 'string' ? delay : '?';
    return { kind: 'after', label: `after ${text}` };
  }
  if (event.startsWith(DONE_ACTOR)) {
    return {
      kind: 'invoke-done',
      label: `done: ${invokeName(node, event.slice(DONE_ACTOR.length))}`,
    };
  }
  if (event.startsWith(ERROR_ACTOR)) {
    return {
      kind: 'invoke-error',
      label: `error: ${invokeName(node, event.slice(ERROR_ACTOR.length))}`,
    };
  }
  if (event.startsWith('xstate.done.state.')) return { kind: 'state-done', label: 'done' };
  return { kind: 'event', label: event };
}

function invokeName(node: StateNodeLike, invokeId: string): string {
  const invoke = node.invoke.find((candidate) => candidate.id === invokeId);
  return invoke === undefined ? invokeId : sourceName(invoke.src);
}

function sourceName(src: unknown): string {
  return typeof src === 'string' ? src : 'inline';
}

/**
 * Names a guard: a string or `{ type }` is its name; XState's `and`/`or`/`not` become
 * `and(a, b)`; `stateIn` becomes `stateIn(value)`; an inline function is `inline`.
 */
export function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const fn = guard as { name: string; guards?: unknown; stateValue?: unknown };
    if (Array.isArray(fn.guards)) {
      const inner = (fn.guards as unknown[]).map((item) => guardName(item) ?? 'inline');
      return `${fn.name}(${inner.join(', ')})`;
    }
    if ('stateValue' in fn) return `stateIn(${JSON.stringify(fn.stateValue) ?? ''})`;
    return fn.name !== '' && fn.name !== 'guard' ? fn.name : 'inline';
  }
  if (typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    return guard.type;
  }
  return 'inline';
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'function' || (typeof action === 'object' && action !== null)) {
    const named = action as { type?: unknown; name?: unknown };
    if (typeof named.type === 'string') return named.type.replace(/^xstate\./, '');
    if (typeof named.name === 'string' && named.name !== '') return named.name;
  }
  return 'inline';
}
