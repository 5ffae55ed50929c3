import type { SnapshotRecord } from '../protocol.js';
import { formatStateValue, formatTime } from './format.js';

export interface TimelineElements {
  slider: HTMLInputElement;
  back: HTMLButtonElement;
  forward: HTMLButtonElement;
  live: HTMLButtonElement;
  replay: HTMLButtonElement;
  label: HTMLElement;
}

/** Time between two snapshots when replaying. */
export const REPLAY_STEP_MS = 400;

/**
 * Steps through the selected actor's past snapshots. While "live", it follows the newest
 * snapshot; moving the slider or the step buttons pins an earlier one until "live" is pressed.
 * "Replay" plays the actor's snapshots again from its first one (so that a page that joined a
 * run late can watch it from the start), then returns to live; pressing it again stops.
 */
export class Timeline {
  readonly #elements: TimelineElements;
  #snapshots: readonly SnapshotRecord[] = [];
  /** Pinned snapshot (by sequence number), or `undefined` when live. */
  #pinned: number | undefined;
  #replay: ReturnType<typeof setInterval> | undefined;

  constructor(elements: TimelineElements, onChange: () => void) {
    this.#elements = elements;
    const stopReplay = (): void => {
      if (this.#replay === undefined) return;
      clearInterval(this.#replay);
      this.#replay = undefined;
      elements.replay.classList.remove('on');
      elements.replay.setAttribute('aria-pressed', 'false');
    };
    const pin = (index: number): void => {
      const clamped = Math.max(0, Math.min(this.#snapshots.length - 1, index));
      const record = this.#snapshots[clamped];
      this.#pinned =
        record === undefined || clamped === this.#snapshots.length - 1 ? undefined : record.seq;
      onChange();
    };
    elements.slider.addEventListener('input', () => {
      stopReplay();
      pin(Number(elements.slider.value));
    });
    elements.back.addEventListener('click', () => {
      stopReplay();
      pin(this.index - 1);
    });
    elements.forward.addEventListener('click', () => {
      stopReplay();
      pin(this.index + 1);
    });
    elements.live.addEventListener('click', () => {
      stopReplay();
      this.#pinned = undefined;
      onChange();
    });
    elements.replay.addEventListener('click', () => {
      if (this.#replay !== undefined) {
        stopReplay();
        return;
      }
      if (this.#snapshots.length < 2) return;
      elements.replay.classList.add('on');
      elements.replay.setAttribute('aria-pressed', 'true');
      pin(0);
      this.#replay = setInterval(() => {
        const next = this.index + 1;
        if (next >= this.#snapshots.length - 1) stopReplay();
        pin(next);
      }, REPLAY_STEP_MS);
    });
    this.#stopReplay = stopReplay;
  }

  readonly #stopReplay: () => void;

  get live(): boolean {
    return this.#pinned === undefined;
  }

  /** Index of the shown snapshot in the list given to `update`. */
  get index(): number {
    if (this.#pinned === undefined) return this.#snapshots.length - 1;
    const pinned = this.#pinned;
    const index = this.#snapshots.findIndex((record) => record.seq === pinned);
    return index >= 0 ? index : 0;
  }

  /** Goes back to following the newest snapshot (a new actor was selected). */
  goLive(): void {
    this.#stopReplay();
    this.#pinned = undefined;
  }

  /** Shows the snapshots of the selected actor; returns the one to display. */
  update(snapshots: readonly SnapshotRecord[]): SnapshotRecord | undefined {
    this.#snapshots = snapshots;
    const { slider, back, forward, live, label } = this.#elements;
    const index = this.index;
    slider.max = String(Math.max(0, snapshots.length - 1));
    slider.value = String(Math.max(0, index));
    slider.disabled = snapshots.length < 2;
    this.#elements.replay.disabled = snapshots.length < 2;
    back.disabled = index <= 0;
    forward.disabled = index >= snapshots.length - 1;
    live.classList.toggle('on', this.live);
    live.setAttribute('aria-pressed', String(this.live));
    const record = snapshots[index];
    label.textContent =
      record === undefined
        ? 'no snapshots'
        : `${index + 1} / ${snapshots.length} · ${record.event} → ${formatStateValue(record.value) || record.status} · ${formatTime(record.t)}`;
    label.dataset.index = String(index);
    return record;
  }
}
