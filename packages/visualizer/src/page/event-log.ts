import type { EventRecord } from '../protocol.js';
import { h } from './dom.js';
import { eventKind } from './event-kind.js';
import { formatTime, preview } from './format.js';
import { shortIds } from './short-ids.js';
import type { Store } from './store.js';
import { VirtualList } from './virtual-list.js';

const ROW_HEIGHT = 22;

export interface EventLogControls {
  container: HTMLElement;
  filter: HTMLInputElement;
  onlySelected: HTMLInputElement;
  actor: HTMLSelectElement;
  type: HTMLSelectElement;
  collapse: HTMLInputElement;
  detail: HTMLElement;
}

/** One row of the log: an event, or a run of the same event to the same actor. */
export interface LogRow {
  first: EventRecord;
  last: EventRecord;
  count: number;
}

/**
 * Appends records to rows, folding a record into the row before it when it is the same event
 * type sent to the same actor (progress ticks, streamed deltas) — unless it is an error, which
 * always gets its own row.
 */
export function appendRows(
  rows: LogRow[],
  records: Iterable<EventRecord>,
  collapse: boolean,
): void {
  for (const record of records) {
    const previous = rows.at(-1);
    if (
      collapse &&
      previous !== undefined &&
      previous.last.actor === record.actor &&
      previous.last.event === record.event &&
      eventKind(record.event, record.payload) !== 'error'
    ) {
      previous.last = record;
      previous.count++;
      continue;
    }
    rows.push({ first: record, last: record, count: 1 });
  }
}

/**
 * The virtualised event log: every event sent to any actor with its payload, newest last,
 * following the end while scrolled there. Fixed columns under a header; errors, approvals and
 * tool events stand out; runs of the same event collapse into one row with a count. Filters by
 * text, actor, event type and the selected actor; clicking a row shows the whole payload.
 */
export class EventLog {
  readonly #store: Store;
  readonly #list: VirtualList<LogRow>;
  readonly #controls: EventLogControls;
  #selected: string | undefined;
  #rows: LogRow[] = [];
  /** Index in `store.events` (plus `store.eventsDropped`) up to which `#rows` is built. */
  #scanned = 0;
  #activeSeq = -1;
  #names = new Map<string, string>();
  #actorCount = -1;
  readonly #types = new Set<string>();

  constructor(controls: EventLogControls, store: Store) {
    this.#store = store;
    this.#controls = controls;
    this.#list = new VirtualList<LogRow>(controls.container, {
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
          h('span', { class: 'event-count' }),
          h('span', { class: 'event-payload' }),
        );
        row.addEventListener('click', () => this.#showDetail(Number(row.dataset.seq)));
        return row;
      },
      updateRow: (row, item) => {
        const record = item.last;
        row.dataset.seq = String(record.seq);
        const kind = eventKind(record.event, record.payload);
        row.dataset.kind = kind ?? '';
        row.classList.toggle('internal', kind === undefined && record.event.startsWith('xstate.'));
        row.classList.toggle('selected', record.seq === this.#activeSeq);
        const [seq, time, actor, type, count, payload] = row.children as unknown as HTMLElement[];
        const targetId = this.#store.actors.get(record.actor)?.info.id ?? record.actor;
        const sourceId =
          record.source === undefined
            ? undefined
            : (this.#store.actors.get(record.source)?.info.id ?? record.source);
        seq!.textContent = `#${record.seq}`;
        time!.textContent = formatTime(record.t);
        actor!.textContent =
          (this.#names.get(targetId) ?? targetId) +
          (sourceId === undefined ? '' : ` ← ${this.#names.get(sourceId) ?? sourceId}`);
        actor!.title = sourceId === undefined ? targetId : `${targetId} ← ${sourceId}`;
        type!.textContent = record.event;
        type!.title = record.event;
        count!.textContent = item.count > 1 ? `×${item.count}` : '';
        count!.title = item.count > 1 ? `${item.count} in a row since #${item.first.seq}` : '';
        const text = preview(record.payload);
        payload!.textContent = text;
        payload!.title = text;
      },
    });
    controls.filter.addEventListener('input', () => this.render(true));
    controls.onlySelected.addEventListener('change', () => this.render(true));
    controls.actor.addEventListener('change', () => this.render(true));
    controls.type.addEventListener('change', () => this.render(true));
    controls.collapse.addEventListener('change', () => this.render(true));
    controls.detail.addEventListener('click', () => {
      controls.detail.hidden = true;
    });
  }

  set selected(key: string | undefined) {
    this.#selected = key;
    if (this.#controls.onlySelected.checked) this.render(true);
  }

  /**
   * Adds new events to the rows, or rebuilds them after a change of filters (`rebuild`) or when
   * the store was replaced by a full state (`reset`).
   */
  render(rebuild = false, reset = false): void {
    const store = this.#store;
    const events = store.events;
    this.#refreshChoices(reset);
    if (rebuild || this.#scanned < store.eventsDropped) {
      this.#rows = [];
      this.#scanned = store.eventsDropped;
    }
    const needle = this.#controls.filter.value.trim().toLowerCase();
    const only = this.#controls.onlySelected.checked ? this.#selected : undefined;
    const actor = this.#controls.actor.value;
    const type = this.#controls.type.value;
    const fresh: EventRecord[] = [];
    for (let i = this.#scanned - store.eventsDropped; i < events.length; i++) {
      const record = events[i]!;
      if (!this.#types.has(record.event)) this.#addType(record.event);
      if (only !== undefined && record.actor !== only && record.source !== only) continue;
      if (actor !== '' && record.actor !== actor && record.source !== actor) continue;
      if (type !== '' && record.event !== type) continue;
      if (needle !== '' && !matches(record, needle)) continue;
      fresh.push(record);
    }
    this.#scanned = store.eventsDropped + events.length;
    appendRows(this.#rows, fresh, this.#controls.collapse.checked);
    this.#list.setItems(this.#rows);
  }

  /** Keeps the actor filter's options and the short names in step with the known actors. */
  #refreshChoices(reset: boolean): void {
    const actors = this.#store.actors;
    if (reset) {
      const type = this.#controls.type.value;
      this.#types.clear();
      this.#controls.type.replaceChildren(h('option', { value: '' }, 'all types'));
      for (const record of this.#store.events) {
        if (!this.#types.has(record.event)) this.#addType(record.event);
      }
      this.#controls.type.value = this.#types.has(type) ? type : '';
    }
    if (actors.size === this.#actorCount && !reset) return;
    this.#actorCount = actors.size;
    this.#names = shortIds([...actors.values()].map((view) => view.info.id));
    const select = this.#controls.actor;
    const current = select.value;
    select.replaceChildren(
      h('option', { value: '' }, 'all actors'),
      ...this.#store.order().map((key) => {
        const id = actors.get(key)!.info.id;
        return h('option', { value: key, title: id }, this.#names.get(id) ?? id);
      }),
    );
    select.value = actors.has(current) ? current : '';
  }

  #addType(type: string): void {
    this.#types.add(type);
    const select = this.#controls.type;
    const options = [...select.options].slice(1);
    const before = options.find((option) => option.value > type);
    select.insertBefore(h('option', { value: type }, type), before ?? null);
  }

  #showDetail(seq: number): void {
    const row = this.#rows.find((candidate) => candidate.last.seq === seq);
    if (row === undefined) return;
    const record = row.last;
    this.#activeSeq = seq;
    this.#list.render();
    const detail = this.#controls.detail;
    detail.hidden = false;
    const actor = this.#store.actors.get(record.actor)?.info.id ?? record.actor;
    const runs = row.count > 1 ? ` (last of ${row.count}, from #${row.first.seq})` : '';
    detail.textContent = `${record.event} #${record.seq}${runs} → ${actor}\n${JSON.stringify(record.payload ?? {}, null, 2)}`;
  }
}

function matches(record: EventRecord, needle: string): boolean {
  return (
    record.event.toLowerCase().includes(needle) ||
    (record.payload !== undefined && JSON.stringify(record.payload).toLowerCase().includes(needle))
  );
}
