import type { SerializedValue } from '../serialize.js';
import { h } from './dom.js';
import { formatSpecial, specialType } from './format.js';

/**
 * Renders a serialised value as a collapsible tree. Children are built only when a branch is
 * opened, and the open branches are remembered across renders (by path).
 */
export class ContextTree {
  readonly #container: HTMLElement;
  readonly #open = new Set<string>(['']);
  #value: SerializedValue | undefined;

  constructor(container: HTMLElement) {
    this.#container = container;
  }

  render(value: SerializedValue | undefined): void {
    if (value === this.#value && this.#container.childElementCount > 0) return;
    this.#value = value;
    if (value === undefined) {
      this.#container.replaceChildren(h('p', { class: 'muted' }, 'no context'));
      return;
    }
    this.#container.replaceChildren(this.#node('context', value, ''));
  }

  #node(key: string, value: SerializedValue, path: string): HTMLElement {
    const keyElement = h('span', { class: 'tree-key' }, key);
    const entries = branchEntries(value);
    if (entries === undefined) {
      return h('div', { class: 'tree-leaf', 'data-path': path }, keyElement, ': ', leaf(value));
    }
    const type = specialType(value);
    const shape = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
    const summary = h(
      'summary',
      {},
      keyElement,
      h('span', { class: 'tree-preview' }, ` ${type === undefined ? '' : `${type} `}${shape}`),
    );
    const details = h('details', { 'data-path': path }, summary);
    const fill = (): void => {
      if (details.childElementCount > 1) return;
      const children = h('div', { class: 'tree-children' });
      for (const [childKey, child] of entries) {
        children.append(
          this.#node(childKey, child, path === '' ? childKey : `${path}.${childKey}`),
        );
      }
      details.append(children);
    };
    if (this.#open.has(path)) {
      details.open = true;
      fill();
    }
    details.addEventListener('toggle', () => {
      if (details.open) {
        this.#open.add(path);
        fill();
      } else {
        this.#open.delete(path);
      }
    });
    return details;
  }
}

/** The children of an array, object, Map or Set; `undefined` for leaves. */
function branchEntries(value: SerializedValue): Array<[string, SerializedValue]> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return value.map((item, i) => [String(i), item]);
  const type = specialType(value);
  if (type === undefined) return Object.entries(value);
  if (type === 'map' && Array.isArray(value.entries)) {
    return value.entries.map((entry, i) => {
      const [key, item] = Array.isArray(entry) ? entry : [String(i), entry];
      return [typeof key === 'string' ? key : JSON.stringify(key ?? null), item ?? null];
    });
  }
  if (type === 'set' && Array.isArray(value.values)) {
    return value.values.map((item, i) => [String(i), item]);
  }
  return undefined;
}

function leaf(value: SerializedValue): HTMLElement {
  if (value === null) return h('span', { class: 'tree-null' }, 'null');
  switch (typeof value) {
    case 'string':
      return h('span', { class: 'tree-string' }, JSON.stringify(value));
    case 'number':
      return h('span', { class: 'tree-number' }, String(value));
    case 'boolean':
      return h('span', { class: 'tree-boolean' }, String(value));
    default: {
      const record = value as Record<string, SerializedValue>;
      return h(
        'span',
        { class: `tree-special tree-${specialType(record) ?? 'value'}` },
        formatSpecial(record),
      );
    }
  }
}
