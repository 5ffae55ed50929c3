import { findStreamedText, type StreamedText } from '../context-fields.js';
import type { SnapshotRecord } from '../protocol.js';

/** The text to show for an actor at `snapshot`, and whether its stream has ended. */
export interface ShownText extends StreamedText {
  /** True when the field is empty now and the text is the last one the actor produced. */
  ended: boolean;
}

/**
 * The streamed text of a snapshot; when the field has been emptied (a conversation clears
 * `streamingText` when the turn ends), the last non-empty text of the same field in the actor's
 * earlier snapshots, so that the answer stays on screen after its stream ends.
 */
export function shownText(
  timeline: readonly SnapshotRecord[],
  snapshot: SnapshotRecord | undefined,
): ShownText | undefined {
  const current = findStreamedText(snapshot?.context);
  if (current === undefined) return undefined;
  if (current.text !== '' || snapshot === undefined) return { ...current, ended: false };
  for (let i = timeline.length - 1; i >= 0; i--) {
    const earlier = timeline[i]!;
    if (earlier.seq >= snapshot.seq) continue;
    const text = findStreamedText(earlier.context);
    if (text !== undefined && text.field === current.field && text.text !== '') {
      return { ...text, ended: true };
    }
  }
  return { ...current, ended: false };
}
