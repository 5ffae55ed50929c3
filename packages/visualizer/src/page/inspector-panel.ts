import { findProgress } from '../context-fields.js';
import type { SnapshotRecord } from '../protocol.js';
import { ContextTree } from './context-tree.js';
import { byId } from './dom.js';
import { formatStateValue, formatTime } from './format.js';
import type { ActorView } from './store.js';
import { shownText } from './streamed-text.js';

/**
 * The right-hand panel: the selected actor's identity, status and state value, its streamed
 * text and progress when its context has them, its output or error, and its context as a tree.
 */
export class InspectorPanel {
  readonly #tree = new ContextTree(byId('context-tree'));
  readonly #title = byId('actor-title');
  readonly #meta = byId('actor-meta');
  readonly #status = byId('state-status');
  readonly #value = byId('state-value');
  readonly #event = byId('state-event');
  readonly #textSection = byId('text-section');
  readonly #textField = byId('text-field');
  readonly #text = byId('streamed-text');
  readonly #progressSection = byId('progress-section');
  readonly #progressBar = byId('progress-bar');
  readonly #progressLabel = byId('progress-label');
  readonly #outputSection = byId('output-section');
  readonly #output = byId('output');

  render(view: ActorView | undefined, snapshot: SnapshotRecord | undefined, live: boolean): void {
    if (view === undefined) {
      this.#title.textContent = 'No actor selected';
      this.#meta.textContent = '';
      this.#status.textContent = '';
      this.#value.textContent = '';
      this.#event.textContent = '';
      this.#textSection.hidden = true;
      this.#progressSection.hidden = true;
      this.#outputSection.hidden = true;
      this.#tree.render(undefined);
      return;
    }
    const { info } = view;
    this.#title.textContent = info.id;
    this.#meta.textContent = [
      info.kind === 'machine' ? `machine ${info.name}` : `actor ${info.name}`,
      `session ${info.key}`,
      info.systemId === undefined ? '' : `system id ${info.systemId}`,
      info.parent === undefined ? '' : `child of ${info.parent}`,
    ]
      .filter(Boolean)
      .join(' · ');
    const status = snapshot?.status ?? 'active';
    this.#status.textContent = live ? status : `${status} (past)`;
    this.#status.className = `badge status-${status}`;
    this.#value.textContent = formatStateValue(snapshot?.value) || '-';
    this.#event.textContent =
      snapshot === undefined
        ? ''
        : `after ${snapshot.event} at ${formatTime(snapshot.t)}${snapshot.tags ? ` · tags ${snapshot.tags.join(', ')}` : ''}`;

    const text = shownText(view.timeline, snapshot);
    this.#textSection.hidden = text === undefined;
    if (text !== undefined) {
      this.#textField.textContent = text.ended ? `${text.field} · stream ended` : text.field;
      this.#text.classList.toggle('ended', text.ended);
      if (this.#text.textContent !== text.text) {
        this.#text.textContent = text.text;
        if (live) this.#text.scrollTop = this.#text.scrollHeight;
      }
    }
    const progress = findProgress(snapshot?.context);
    this.#progressSection.hidden = progress === undefined;
    if (progress !== undefined) {
      const percent = Math.round(progress.fraction * 100);
      this.#progressBar.style.width = `${percent}%`;
      this.#progressBar.parentElement!.setAttribute('aria-valuenow', String(percent));
      this.#progressLabel.textContent =
        progress.field === 'progress' && progress.total === 1 && progress.completed <= 1
          ? `${percent}%`
          : `${progress.completed} / ${progress.total}${progress.failed ? ` (${progress.failed} failed)` : ''} · ${percent}% · ${progress.field}`;
    }
    const result = snapshot?.status === 'error' ? snapshot.error : snapshot?.output;
    this.#outputSection.hidden = result === undefined;
    if (result !== undefined) this.#output.textContent = JSON.stringify(result, null, 2);
    this.#tree.render(snapshot?.context);
  }
}
