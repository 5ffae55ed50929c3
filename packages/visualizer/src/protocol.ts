import type { MachineGraph } from './machine-graph.js';
import type { SerializedValue } from './serialize.js';

/**
 * The wire format between the visualizer's server and its page. Every record carries a sequence
 * number (`seq`, the SSE `id:`), consecutive from 1, and the time it was recorded (`t`, ms).
 */
export type VisualizerRecord = ActorRecord | EventRecord | SnapshotRecord;

/** An actor was created (`@xstate.actor`). */
export interface ActorRecord {
  type: 'actor';
  seq: number;
  t: number;
  actor: ActorInfo;
  /** The machine's graph, sent with the first actor of that machine only. */
  graph?: MachineGraph;
}

/** An event was sent to an actor (`@xstate.event`). */
export interface EventRecord {
  type: 'event';
  seq: number;
  t: number;
  /** Key of the receiving actor. */
  actor: string;
  /** Key of the sending actor; absent when sent from outside (`actor.send`). */
  source?: string;
  event: string;
  /** The event's properties other than `type`, serialised; absent when there are none. */
  payload?: SerializedValue;
}

/** An actor has a new snapshot (`@xstate.snapshot`). */
export interface SnapshotRecord {
  type: 'snapshot';
  seq: number;
  t: number;
  actor: string;
  /** The type of the event that produced the snapshot. */
  event: string;
  status: ActorStatus;
  /** The state value of machine actors. */
  value?: SerializedValue;
  context?: SerializedValue;
  output?: SerializedValue;
  error?: SerializedValue;
  tags?: string[];
}

export type ActorStatus = 'active' | 'done' | 'error' | 'stopped';

export interface ActorInfo {
  /** The visualizer's key for the actor: XState's `sessionId` (made unique if ever needed). */
  key: string;
  /** The actor's `id` (the invoke id, the `createActor` id option, or the session id). */
  id: string;
  systemId?: string;
  /** Key of the parent actor, for invoked and spawned actors. */
  parent?: string;
  /** Key of the root actor of its system. */
  root: string;
  /** The machine id, or the actor's name in `setup({ actors })` for other logic. */
  name: string;
  kind: 'machine' | 'actor';
  /** Key into `FullState.graphs` for machine actors. */
  graph?: string;
  createdAt: number;
}

/** What the page receives first: everything needed to draw the current state. */
export interface FullState {
  /** The last record included; the stream continues after it. */
  seq: number;
  actors: Array<ActorInfo & { latest?: SnapshotRecord }>;
  graphs: Record<string, MachineGraph>;
  /** The records still held for replay, oldest first: the event log and the timelines. */
  records: VisualizerRecord[];
}
