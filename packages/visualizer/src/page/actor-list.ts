import { findProgress } from '../context-fields.js';
import { h } from './dom.js';
import { formatStateValue } from './format.js';
import { shortIds } from './short-ids.js';
import type { ActorView, Store } from './store.js';
import { VirtualList } from './virtual-list.js';

const ROW_HEIGHT = 26;

/**
 * The virtualised list of actors: status, short id (whole on hover), machine and current state,
 * and a thin progress bar under actors whose context holds counters (see `findProgress`); click
 * to select.
 */
export class ActorList {
  readonly #store: Store;
  readonly #list: VirtualList<ActorView>;
  readonly #filter: HTMLInputElement;
  #selected: string | undefined;
  /** Short unique names for the actor ids (`0.batch.pollJob` -> `pollJob`). */
  #names = new Map<string, string>();
  #named = -1;

  constructor(
    container: HTMLElement,
    filter: HTMLInputElement,
    store: Store,
    onSelect: (key: string) => void,
  ) {
    this.#store = store;
    this.#filter = filter;
    this.#list = new VirtualList<ActorView>(container, {
      rowHeight: ROW_HEIGHT,
      createRow: () => {
        const row = h(
          'div',
          { class: 'actor-row', role: 'option' },
          h('span', { class: 'status-dot' }),
          h('span', { class: 'actor-id' }),
          h('span', { class: 'actor-name' }),
          h('span', { class: 'actor-state' }),
          h('span', { class: 'actor-progress', hidden: true }),
        );
        row.addEventListener('click', () => {
          const key = row.dataset.key;
          if (key !== undefined) onSelect(key);
        });
        return row;
      },
      updateRow: (row, view) => {
        const { info, latest } = view;
        const status = latest?.status ?? 'active';
        row.dataset.key = info.key;
        row.dataset.actorId = info.id;
        row.dataset.status = status;
        row.classList.toggle('selected', info.key === this.#selected);
        row.style.paddingLeft = `${8 + view.depth * 14}px`;
        const progress = findProgress(latest?.context);
        const percent = progress === undefined ? 0 : Math.round(progress.fraction * 100);
        row.title =
          `${info.id} (${info.name}, ${info.kind}) - ${status}` +
          (progress === undefined
            ? ''
            : ` - ${progress.completed} / ${progress.total} (${percent}%)`);
        const [dot, id, name, state, bar] = row.children as unknown as HTMLElement[];
        bar!.hidden = progress === undefined;
        bar!.style.width = `${percent}%`;
        dot!.className = `status-dot status-${status}`;
        id!.textContent = this.#names.get(info.id) ?? info.id;
        name!.textContent = info.name === info.id ? '' : info.name;
        state!.textContent = latest?.value !== undefined ? formatStateValue(latest.value) : status;
      },
    });
    filter.addEventListener('input', () => this.render());
  }

  set selected(key: string | undefined) {
    this.#selected = key;
    this.#list.render();
  }

  /** Recomputes the rows (actors added, states changed, filter typed). */
  render(): void {
    const needle = this.#filter.value.trim().toLowerCase();
    const views = this.#store.order().map((key) => this.#store.actors.get(key)!);
    if (views.length !== this.#named) {
      this.#named = views.length;
      this.#names = shortIds(views.map((view) => view.info.id));
    }
    const shown =
      needle === ''
        ? views
        : views.filter((view) =>
            `${view.info.id} ${view.info.name} ${formatStateValue(view.latest?.value)} ${view.latest?.status ?? ''}`
              .toLowerCase()
              .includes(needle),
          );
    this.#list.setItems(shown);
  }

  /** Brings the selected actor's row into view. */
  reveal(key: string): void {
    const index = this.#list.items.findIndex((view) => view.info.key === key);
    if (index >= 0) this.#list.scrollToIndex(index);
  }
}
