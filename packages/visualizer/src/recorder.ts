import type { AnyStateMachine, InspectionEvent } from 'xstate';
import { machineGraph, type MachineGraph } from './machine-graph.js';
import type {
  ActorInfo,
  ActorStatus,
  FullState,
  SnapshotRecord,
  VisualizerRecord,
} from './protocol.js';
import { serialize, type SerializeOptions } from './serialize.js';

export interface RecorderOptions {
  /** Receives every record, in sequence order, synchronously. */
  onRecord(record: VisualizerRecord, json: string): void;
  /** Limits for contexts, events, outputs and errors (see `serialize`). */
  serialize?: SerializeOptions;
  /** Actors remembered at most; finished actors are forgotten first (default 1,000). */
  maxActors?: number;
  /** Clock for record times (default `Date.now`). */
  now?: () => number;
  /** Called when an inspection event could not be recorded; recording never throws into XState. */
  onError?: (error: unknown) => void;
}

/** The parts of an XState actor ref read here (public in XState, not in `ActorRefLike`). */
interface InspectedActor {
  id: string;
  sessionId: string;
  systemId?: string;
  src?: unknown;
  logic?: unknown;
  _parent?: InspectedActor;
}

interface ActorEntry {
  info: ActorInfo;
  latest?: SnapshotRecord;
}

/**
 * Turns XState inspection events into numbered records and keeps what a page needs on first
 * load: every known actor with its latest snapshot, and every machine graph.
 */
export class Recorder {
  /** Pass to `createActor(machine, { inspect })`. Never throws. */
  readonly inspect: (event: InspectionEvent) => void;

  readonly #options: RecorderOptions;
  readonly #now: () => number;
  readonly #maxActors: number;
  readonly #keys = new WeakMap<object, string>();
  readonly #actors = new Map<string, ActorEntry>();
  readonly #graphs = new Map<string, MachineGraph>();
  readonly #graphIds = new WeakMap<object, string>();
  readonly #graphIdsByShape = new Map<string, string>();
  #seq = 0;
  #closed = false;

  constructor(options: RecorderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxActors = options.maxActors ?? 1_000;
    this.inspect = (event) => {
      if (this.#closed) return;
      try {
        this.#record(event);
      } catch (error) {
        options.onError?.(error);
      }
    };
  }

  /** The sequence number of the last record. */
  get seq(): number {
    return this.#seq;
  }

  /** Stops recording; later inspection events are ignored. */
  close(): void {
    this.#closed = true;
  }

  /** Everything known now, as of record `seq`, without the replay records. */
  state(): Omit<FullState, 'records'> {
    return {
      seq: this.#seq,
      actors: [...this.#actors.values()].map((entry) =>
        entry.latest === undefined ? entry.info : { ...entry.info, latest: entry.latest },
      ),
      graphs: Object.fromEntries(this.#graphs),
    };
  }

  #record(event: InspectionEvent): void {
    switch (event.type) {
      case '@xstate.actor':
        this.#keyOf(event.actorRef as unknown as InspectedActor, event.rootId);
        return;
      case '@xstate.event': {
        const { type, ...rest } = event.event;
        const source = event.sourceRef as unknown as InspectedActor | undefined;
        const fields = Object.entries(rest).filter(([, value]) => value !== undefined);
        const payload =
          fields.length > 0
            ? serialize(Object.fromEntries(fields), this.#options.serialize)
            : undefined;
        this.#emit({
          type: 'event',
          seq: 0,
          t: this.#now(),
          actor: this.#keyOf(event.actorRef as unknown as InspectedActor, event.rootId),
          ...(source === undefined ? {} : { source: this.#keyOf(source, event.rootId) }),
          event: type,
          ...(payload === undefined ? {} : { payload }),
        });
        return;
      }
      case '@xstate.snapshot': {
        const key = this.#keyOf(event.actorRef as unknown as InspectedActor, event.rootId);
        const record = this.#snapshotRecord(key, event.event.type, event.snapshot);
        const entry = this.#actors.get(key);
        if (entry !== undefined) entry.latest = record;
        this.#emit(record);
        return;
      }
      default:
        // Microsteps and actions are not shown: the snapshots that follow them are.
        return;
    }
  }

  #snapshotRecord(key: string, eventType: string, snapshot: unknown): SnapshotRecord {
    const raw = snapshot as {
      status?: unknown;
      value?: unknown;
      context?: unknown;
      output?: unknown;
      error?: unknown;
      tags?: unknown;
    };
    const limits = this.#options.serialize;
    const record: SnapshotRecord = {
      type: 'snapshot',
      seq: 0,
      t: this.#now(),
      actor: key,
      event: eventType,
      status: toStatus(raw.status),
    };
    if (raw.value !== undefined) record.value = serialize(raw.value, limits);
    if (raw.context !== undefined) record.context = serialize(raw.context, limits);
    if (raw.output !== undefined) record.output = serialize(raw.output, limits);
    if (raw.error !== undefined) record.error = serialize(raw.error, limits);
    if (raw.tags instanceof Set && raw.tags.size > 0) {
      record.tags = [...(raw.tags as Set<unknown>)].map(String);
    }
    return record;
  }

  /** The key of an actor, registering it (and its parents) on first sight. */
  #keyOf(ref: InspectedActor, rootId: string): string {
    const known = this.#keys.get(ref);
    if (known !== undefined) return known;
    let key = ref.sessionId;
    for (let n = 2; this.#actors.has(key); n++) key = `${ref.sessionId}~${n}`;
    this.#keys.set(ref, key);
    const parent = ref._parent === undefined ? undefined : this.#keyOf(ref._parent, rootId);
    const machine = isMachine(ref.logic) ? ref.logic : undefined;
    const info: ActorInfo = {
      key,
      id: ref.id,
      root: ref.sessionId === rootId ? key : rootId,
      name: machine?.id ?? (typeof ref.src === 'string' ? ref.src : 'anonymous'),
      kind: machine === undefined ? 'actor' : 'machine',
      createdAt: this.#now(),
    };
    if (typeof ref.systemId === 'string') info.systemId = ref.systemId;
    if (parent !== undefined) info.parent = parent;
    let graph: MachineGraph | undefined;
    if (machine !== undefined) {
      const { id, created } = this.#graphIdOf(machine);
      info.graph = id;
      if (created) graph = this.#graphs.get(id);
    }
    this.#actors.set(key, { info });
    this.#forgetFinishedActors();
    this.#emit({
      type: 'actor',
      seq: 0,
      t: info.createdAt,
      actor: info,
      ...(graph ? { graph } : {}),
    });
    return key;
  }

  /** One graph per distinct machine definition; `.provide()` copies share their original's. */
  #graphIdOf(machine: AnyStateMachine): { id: string; created: boolean } {
    const known = this.#graphIds.get(machine);
    if (known !== undefined) return { id: known, created: false };
    const graph = machineGraph(machine);
    const shape = JSON.stringify(graph);
    const same = this.#graphIdsByShape.get(shape);
    if (same !== undefined) {
      this.#graphIds.set(machine, same);
      return { id: same, created: false };
    }
    let id = graph.id;
    for (let n = 2; this.#graphs.has(id); n++) id = `${graph.id}#${n}`;
    this.#graphs.set(id, graph);
    this.#graphIds.set(machine, id);
    this.#graphIdsByShape.set(shape, id);
    return { id, created: true };
  }

  #forgetFinishedActors(): void {
    if (this.#actors.size <= this.#maxActors) return;
    for (const [key, entry] of this.#actors) {
      if (this.#actors.size <= this.#maxActors) return;
      const status = entry.latest?.status;
      if (status !== undefined && status !== 'active') this.#actors.delete(key);
    }
  }

  #emit(record: VisualizerRecord): void {
    record.seq = ++this.#seq;
    this.#options.onRecord(record, JSON.stringify(record));
  }
}

function toStatus(status: unknown): ActorStatus {
  return status === 'done' || status === 'error' || status === 'stopped' ? status : 'active';
}

function isMachine(logic: unknown): logic is AnyStateMachine {
  return (
    typeof logic === 'object' &&
    logic !== null &&
    'root' in logic &&
    'getInitialSnapshot' in logic &&
    typeof (logic as { id?: unknown }).id === 'string'
  );
}
