import type { GraphEdge, GraphNode, MachineGraph } from '../machine-graph.js';

/**
 * What the diagram draws, derived from a machine graph by a few fixed rules so that big machines
 * stay readable:
 *
 * - a transition that keeps the machine in its state (no target, or its own state as the only
 *   target) is a line inside that state's box, not an arrow;
 * - the guarded alternatives of one trigger in one state (`model.end [hasToolCalls]` / `model.end`,
 *   or several `always` branches) meet in a small choice point: one arrow labelled with the trigger,
 *   then one arrow per branch labelled with its guard (`else` for the unguarded one);
 * - a trigger that takes three or more states to the same target (two, for a final state) (`user.cancel` -> `idle`, the
 *   `error` of every step -> `failed`) is written in each of those states as `trigger → target`
 *   instead of being drawn as many long arrows;
 * - a transition from a compound state into one of its own children is written in the compound
 *   state's header as `trigger → child`;
 * - `done: src` and `error: src` are shortened to `done` and `error` in a state that invokes one
 *   actor (its box already says `invoke src`);
 * - arrows with the same source and target are merged into one arrow with one label line per
 *   trigger.
 */
export interface DiagramModel {
  rootId: string;
  /** States, parents before children, with the lines written inside them. */
  states: ModelState[];
  /** Choice points: one per trigger whose guarded alternatives lead to different places. */
  choices: ModelChoice[];
  arrows: ModelArrow[];
}

export interface ModelState {
  node: GraphNode;
  /** `invoke <src>` lines, then the triggers that keep the machine in this state. */
  lines: string[];
}

export interface ModelChoice {
  id: string;
  /** The state whose trigger it is; the choice is drawn inside that state's parent. */
  source: string;
  /** The trigger, e.g. `model.end` or `always`. */
  trigger: string;
}

export interface ModelArrow {
  id: string;
  /** A state id or a choice id. */
  source: string;
  target: string;
  /** One line per merged trigger or branch. */
  lines: string[];
  /** Kind of the first transition (for the line style); `choice` for state -> choice point. */
  kind: GraphEdge['kind'];
  /** The transitions the arrow stands for. */
  edges: GraphEdge[];
}

/** The trigger of a transition without its guard: `model.end`, `always`, `done: fetchUser`. */
export function triggerLabel(edge: GraphEdge): string {
  if (edge.guard === undefined) return edge.label;
  const suffix = ` [${edge.guard}]`;
  return edge.label.endsWith(suffix) ? edge.label.slice(0, -suffix.length) : edge.label;
}

/** One trigger into one target from this many states becomes a line in each of those states. */
export const JUMP_THRESHOLD = 3;

/** Applies the rules above to a machine graph. Pure: no DOM, no layout. */
export function diagramModel(graph: MachineGraph): DiagramModel {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const short = (edge: GraphEdge): GraphEdge => {
    const source = byId.get(edge.source);
    if (source?.invoke.length !== 1) return edge;
    if (edge.kind !== 'invoke-done' && edge.kind !== 'invoke-error') return edge;
    const word = edge.kind === 'invoke-done' ? 'done' : 'error';
    return { ...edge, label: edge.guard === undefined ? word : `${word} [${edge.guard}]` };
  };
  const targetName = (id: string): string => byId.get(id)?.key ?? id;
  const isDescendant = (id: string, ancestor: string): boolean => {
    for (let parent = byId.get(id)?.parentId; parent != null; parent = byId.get(parent)?.parentId) {
      if (parent === ancestor) return true;
    }
    return false;
  };
  const states = new Map<string, ModelState>(
    graph.nodes.map((node) => [
      node.id,
      { node, lines: node.invoke.map((invoke) => `invoke ${invoke.src}`) },
    ]),
  );
  const choices: ModelChoice[] = [];
  /** Transitions that are the only one of their trigger in their state. */
  const single: GraphEdge[] = [];
  const pending: Array<Omit<ModelArrow, 'id'>> = [];

  // Group the transitions of each state by trigger, in declaration order.
  const groups = new Map<string, GraphEdge[]>();
  for (const original of graph.edges) {
    const edge = short(original);
    const key = `${edge.source}\u0000${edge.event}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [edge]);
    else group.push(edge);
  }

  for (const group of groups.values()) {
    const first = group[0]!;
    const inner: GraphEdge[] = [];
    const moving: GraphEdge[] = [];
    const state = states.get(first.source);
    for (const edge of group) {
      const stays =
        edge.targets.length === 0 || edge.targets.every((target) => target === edge.source);
      if (stays) inner.push(edge);
      else if (edge.targets.every((target) => isDescendant(target, edge.source))) {
        // From a compound state into its own children: it applies in any child, so it is
        // written in the compound state's header.
        const line = `${edge.label} → ${edge.targets.map(targetName).join(', ')}`;
        if (state !== undefined && !state.lines.includes(line)) state.lines.push(line);
      } else moving.push(edge);
    }
    if (state !== undefined) {
      for (const edge of inner) {
        if (!state.lines.includes(edge.label)) state.lines.push(edge.label);
      }
    }
    if (moving.length === 0) continue;
    if (moving.length === 1 || moving.every((edge) => edge.guard === undefined)) {
      single.push(...moving);
      continue;
    }
    const choice: ModelChoice = {
      id: `${first.source}::choice::${first.event}`,
      source: first.source,
      trigger: triggerLabel(first),
    };
    choices.push(choice);
    pending.push({
      source: first.source,
      target: choice.id,
      lines: [choice.trigger],
      kind: first.kind,
      edges: moving,
    });
    for (const edge of moving) {
      for (const target of edge.targets) {
        pending.push({
          source: choice.id,
          target,
          lines: [edge.guard === undefined ? 'else' : `[${edge.guard}]`],
          kind: edge.kind,
          edges: [edge],
        });
      }
    }
  }

  // A trigger that takes many states to one target is written in each of them.
  const jumpKey = (edge: GraphEdge, target: string): string =>
    `${target}\u0000${edge.kind === 'invoke-error' ? 'error' : edge.kind === 'invoke-done' ? 'done' : edge.event}\u0000${edge.guard ?? ''}`;
  const sources = new Map<string, Set<string>>();

  for (const edge of single) {
    if (edge.targets.length !== 1) continue;
    const key = jumpKey(edge, edge.targets[0]!);
    const set = sources.get(key) ?? new Set<string>();
    set.add(edge.source);
    sources.set(key, set);
  }
  for (const edge of single) {
    const jump =
      edge.targets.length === 1 &&
      (sources.get(jumpKey(edge, edge.targets[0]!))?.size ?? 0) >=
        (byId.get(edge.targets[0]!)?.type === 'final' ? 2 : JUMP_THRESHOLD);
    if (jump) {
      const line = `${edge.label} → ${targetName(edge.targets[0]!)}`;
      const state = states.get(edge.source);
      if (state !== undefined && !state.lines.includes(line)) state.lines.push(line);
      continue;
    }
    for (const target of edge.targets) {
      pending.push({
        source: edge.source,
        target,
        lines: [edge.label],
        kind: edge.kind,
        edges: [edge],
      });
    }
  }

  // Merge arrows that share source and target.
  const merged = new Map<string, ModelArrow>();
  for (const arrow of pending) {
    const key = `${arrow.source}\u0000${arrow.target}`;
    const known = merged.get(key);
    if (known === undefined) {
      merged.set(key, {
        ...arrow,
        id: `${arrow.source}->${arrow.target}`,
        lines: [...arrow.lines],
        edges: [...arrow.edges],
      });
      continue;
    }
    for (const line of arrow.lines) if (!known.lines.includes(line)) known.lines.push(line);
    known.edges.push(...arrow.edges.filter((edge) => !known.edges.includes(edge)));
  }

  return {
    rootId: graph.rootId,
    states: graph.nodes.map((node) => states.get(node.id)!),
    choices,
    arrows: [...merged.values()],
  };
}

/**
 * The model with some arrows written as lines in their source state instead (`trigger → target`;
 * for the branch of a choice point, in the state the choice belongs to: `model.end [guard] →
 * target`). A choice point left without branches goes too, with the arrow into it. The layout uses
 * it for arrows ELK cannot route in a wrapped layout.
 */
export function writeArrowsAsLines(model: DiagramModel, ids: ReadonlySet<string>): DiagramModel {
  if (ids.size === 0) return model;
  const states = new Map(
    model.states.map((state) => [state.node.id, { node: state.node, lines: [...state.lines] }]),
  );
  const choices = new Map(model.choices.map((choice) => [choice.id, choice]));
  const name = (id: string): string => states.get(id)?.node.key ?? id;
  const add = (stateId: string, line: string): void => {
    const state = states.get(stateId);
    if (state !== undefined && !state.lines.includes(line)) state.lines.push(line);
  };
  let arrows = model.arrows.filter((arrow) => {
    if (!ids.has(arrow.id)) return true;
    const choice = choices.get(arrow.source);
    if (choice !== undefined) {
      for (const line of arrow.lines) {
        add(choice.source, `${choice.trigger} ${line} → ${name(arrow.target)}`);
      }
      return false;
    }
    if (choices.has(arrow.target)) return true;
    for (const line of arrow.lines) add(arrow.source, `${line} → ${name(arrow.target)}`);
    return false;
  });
  const branched = new Set(arrows.map((arrow) => arrow.source));
  const kept = model.choices.filter((choice) => branched.has(choice.id));
  const keptIds = new Set(kept.map((choice) => choice.id));
  arrows = arrows.filter((arrow) => !choices.has(arrow.target) || keptIds.has(arrow.target));
  return {
    rootId: model.rootId,
    states: model.states.map((state) => states.get(state.node.id)!),
    choices: kept,
    arrows,
  };
}
