import type { EventRecord } from '../protocol.js';
import { h } from './dom.js';
import { formatTime, preview } from './format.js';
import type { Store } from './store.js';
import { VirtualList } from './virtual-list.js';

const ROW_HEIGHT = 22;

export interface EventLogControls {
  container: HTMLElement;
  filter: HTMLInputElement;
  onlySelected: HTMLInputElement;
  detail: HTMLElement;
}

/**
 * The virtualised event log: every event sent to any actor with its payload, newest last,
 * following the end while scrolled there. Filters by text and by the selected actor; clicking a
 * row shows the whole payload.
 */
export class EventLog {
  readonly #store: Store;
  readonly #list: VirtualList<EventRecord>;
  readonly #controls: EventLogControls;
  #selected: string | undefined;
  #filtered: EventRecord[] = [];
  /** Index in `store.events` (plus `store.eventsDropped`) up to which `#filtered` is built. */
  #scanned = 0;
  #activeSeq = -1;

  constructor(controls: EventLogControls, store: Store) {
    this.#store = store;
    this.#controls = controls;
    this.#list = new VirtualList<EventRecord>(controls.container, {
      rowHeight: ROW_HEIGHT,
      follow: true,
      createRow: () => {
        const row = h(
          'div',
          { class: 'event-row' },
          h('span', { class: 'event-seq' }),
          h('span', { class: 'event-time' }),
          h('span', { class: 'event-actor' }),
          h('span', { class: 'event-type' }),
          h('span', { class: 'event-payload' }),
        );
        row.addEventListener('click', () => this.#showDetail(Number(row.dataset.seq)));
        return row;
      },
      updateRow: (row, record) => {
        row.dataset.seq = String(record.seq);
        row.classList.toggle('internal', record.event.startsWith('xstate.'));
        row.classList.toggle('selected', record.seq === this.#activeSeq);
        const [seq, time, actor, type, payload] = row.children as unknown as HTMLElement[];
        const target = this.#store.actors.get(record.actor)?.info.id ?? record.actor;
        const source =
          record.source === undefined
            ? ''
            : ` ← ${this.#store.actors.get(record.source)?.info.id ?? record.source}`;
        seq!.textContent = `#${record.seq}`;
        time!.textContent = formatTime(record.t);
        actor!.textContent = `${target}${source}`;
        type!.textContent = record.event;
        payload!.textContent = preview(record.payload);
      },
    });
    controls.filter.addEventListener('input', () => this.render(true));
    controls.onlySelected.addEventListener('change', () => this.render(true));
  }

  set selected(key: string | undefined) {
    this.#selected = key;
    if (this.#controls.onlySelected.checked) this.render(true);
  }

  /** Adds new events to the rows (or rebuilds them after a reset or a change of filters). */
  render(rebuild = false): void {
    const store = this.#store;
    const events = store.events;
    const needle = this.#controls.filter.value.trim().toLowerCase();
    const only = this.#controls.onlySelected.checked ? this.#selected : undefined;
    if (needle === '' && only === undefined) {
      this.#filtered = events;
    } else {
      if (rebuild || this.#filtered === events || this.#scanned < store.eventsDropped) {
        this.#filtered = [];
        this.#scanned = store.eventsDropped;
      }
      for (let i = this.#scanned - store.eventsDropped; i < events.length; i++) {
        const record = events[i]!;
        if (only !== undefined && record.actor !== only && record.source !== only) continue;
        if (needle !== '' && !matches(record, needle)) continue;
        this.#filtered.push(record);
      }
    }
    this.#scanned = store.eventsDropped + events.length;
    this.#list.setItems(this.#filtered);
  }

  #showDetail(seq: number): void {
    const record = this.#filtered.find((candidate) => candidate.seq === seq);
    if (record === undefined) return;
    this.#activeSeq = seq;
    this.#list.render();
    const detail = this.#controls.detail;
    detail.hidden = false;
    detail.textContent = `${record.event} #${record.seq}\n${JSON.stringify(record.payload ?? {}, null, 2)}`;
  }
}

function matches(record: EventRecord, needle: string): boolean {
  return (
    record.event.toLowerCase().includes(needle) ||
    (record.payload !== undefined && JSON.stringify(record.payload).toLowerCase().includes(needle))
  );
}
