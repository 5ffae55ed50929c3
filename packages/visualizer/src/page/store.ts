import type { MachineGraph } from '../machine-graph.js';
import type {
  ActorInfo,
  EventRecord,
  FullState,
  SnapshotRecord,
  VisualizerRecord,
} from '../protocol.js';

/** Snapshots kept per actor for the timeline. */
const MAX_TIMELINE = 5_000;
/** Events kept in the log. */
const MAX_EVENTS = 200_000;

export interface ActorView {
  info: ActorInfo;
  latest?: SnapshotRecord;
  /** Past snapshots, oldest first (bounded). */
  timeline: SnapshotRecord[];
  depth: number;
}

/** What changed since the views last looked (`Store.takeChanges`). */
export interface Changes {
  /** The store was replaced by a full state. */
  reset: boolean;
  actors: boolean;
  events: boolean;
  /** Keys of actors with new snapshots. */
  snapshots: Set<string>;
}

/**
 * The page's model: actors, their timelines, machine graphs and the event log, built from the
 * full state and the records that follow it. Records at or below the last applied sequence
 * number are ignored, so a replay can never duplicate anything.
 */
export class Store {
  seq = 0;
  readonly actors = new Map<string, ActorView>();
  readonly graphs = new Map<string, MachineGraph>();
  events: EventRecord[] = [];
  /** Events dropped from the front of `events` since the last reset (for stable row numbers). */
  eventsDropped = 0;
  #order: string[] | undefined;
  #changes: Changes = emptyChanges();

  reset(state: FullState): void {
    this.seq = 0;
    this.actors.clear();
    this.graphs.clear();
    this.events = [];
    this.eventsDropped = 0;
    this.#order = undefined;
    for (const [id, graph] of Object.entries(state.graphs)) this.graphs.set(id, graph);
    for (const actor of state.actors) {
      const { latest, ...info } = actor;
      this.#addActor(info);
      if (latest !== undefined) this.actors.get(info.key)!.latest = latest;
    }
    for (const record of state.records) this.apply(record);
    // Snapshots older than the replay log are gone: start those timelines at the latest one.
    for (const view of this.actors.values()) {
      if (view.timeline.length === 0 && view.latest !== undefined) view.timeline.push(view.latest);
    }
    this.seq = state.seq;
    this.#changes = emptyChanges();
    this.#changes.reset = true;
  }

  apply(record: VisualizerRecord): void {
    if (record.seq <= this.seq) return;
    this.seq = record.seq;
    switch (record.type) {
      case 'actor':
        if (record.graph !== undefined) this.graphs.set(record.actor.graph!, record.graph);
        if (!this.actors.has(record.actor.key)) this.#addActor(record.actor);
        this.#changes.actors = true;
        return;
      case 'event':
        this.events.push(record);
        if (this.events.length > MAX_EVENTS * 1.1) {
          const drop = this.events.length - MAX_EVENTS;
          this.events = this.events.slice(drop);
          this.eventsDropped += drop;
        }
        this.#changes.events = true;
        return;
      case 'snapshot': {
        const view = this.actors.get(record.actor);
        if (view === undefined) return;
        if (view.latest === undefined || view.latest.seq <= record.seq) view.latest = record;
        view.timeline.push(record);
        if (view.timeline.length > MAX_TIMELINE * 1.1) {
          view.timeline = view.timeline.slice(view.timeline.length - MAX_TIMELINE);
        }
        this.#changes.actors = true;
        this.#changes.snapshots.add(record.actor);
        return;
      }
    }
  }

  /** Actor keys, roots in creation order, each followed by its descendants. */
  order(): string[] {
    if (this.#order !== undefined) return this.#order;
    const children = new Map<string | undefined, string[]>();
    for (const view of this.actors.values()) {
      const parent =
        view.info.parent !== undefined && this.actors.has(view.info.parent)
          ? view.info.parent
          : undefined;
      const list = children.get(parent) ?? [];
      list.push(view.info.key);
      children.set(parent, list);
    }
    const order: string[] = [];
    const visit = (key: string, depth: number): void => {
      order.push(key);
      this.actors.get(key)!.depth = depth;
      for (const child of children.get(key) ?? []) visit(child, depth + 1);
    };
    for (const root of children.get(undefined) ?? []) visit(root, 0);
    this.#order = order;
    return order;
  }

  /** Returns and clears what changed since the last call. */
  takeChanges(): Changes {
    const changes = this.#changes;
    this.#changes = emptyChanges();
    return changes;
  }

  #addActor(info: ActorInfo): void {
    this.actors.set(info.key, { info, timeline: [], depth: 0 });
    this.#order = undefined;
  }
}

function emptyChanges(): Changes {
  return { reset: false, actors: false, events: false, snapshots: new Set() };
}
