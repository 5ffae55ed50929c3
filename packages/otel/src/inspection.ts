/**
 * The part of an XState inspection event this package reads. Declared here so that the package
 * needs no XState: any `InspectionEvent` is one of these.
 */
export interface InspectionEventLike {
  type: string;
  actorRef: unknown;
  event?: unknown;
  snapshot?: unknown;
}

/** What this package reads of a machine snapshot. */
export interface MachineSnapshotLike {
  value: unknown;
  status?: string;
  context: unknown;
  machine?: { id?: string };
}

export function sessionOf(actorRef: unknown): string | undefined {
  const id = (actorRef as { sessionId?: unknown } | null)?.sessionId;
  return typeof id === 'string' ? id : undefined;
}

export function machineIdOf(snapshot: MachineSnapshotLike): string | undefined {
  return snapshot.machine?.id;
}

/** A state value as one word: `polling`, `done.succeeded`. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const [key, inner] = Object.entries(value)[0] ?? [];
    return key === undefined ? '' : `${key}.${stateName(inner)}`;
  }
  return String(value);
}
