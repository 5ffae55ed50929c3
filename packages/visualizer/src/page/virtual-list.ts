export interface VirtualListOptions<T> {
  rowHeight: number;
  /** Builds an empty row element (called once per pooled row). */
  createRow: () => HTMLElement;
  /** Fills a pooled row with an item. */
  updateRow: (row: HTMLElement, item: T, index: number) => void;
  /** Keep the view at the end when new items arrive while it is scrolled to the end. */
  follow?: boolean;
}

/**
 * A list that only creates DOM for the rows in view (plus a margin), reusing a small pool of
 * row elements, so that tens of thousands of items scroll and update cheaply.
 */
export class VirtualList<T> {
  readonly element: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #options: VirtualListOptions<T>;
  readonly #pool: HTMLElement[] = [];
  #items: readonly T[] = [];
  #frame = 0;
  /** Whether the list was scrolled to its end when last seen (it follows new items then). */
  #atEnd = true;

  constructor(element: HTMLElement, options: VirtualListOptions<T>) {
    this.element = element;
    this.#options = options;
    element.classList.add('virtual-list');
    this.#spacer = document.createElement('div');
    this.#spacer.className = 'virtual-spacer';
    element.append(this.#spacer);
    element.addEventListener('scroll', () => {
      // A hidden list (clientHeight 0) reports no position worth keeping.
      if (element.clientHeight > 0) this.#atEnd = this.#isAtEnd();
      if (this.#frame !== 0) return;
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.render();
      });
    });
    new ResizeObserver(() => {
      this.#sizeSpacer();
      // Shown again or resized while following the end: stay at the end.
      if (options.follow === true && this.#atEnd && element.clientHeight > 0) {
        element.scrollTop = element.scrollHeight;
      }
      this.render();
    }).observe(element);
  }

  /**
   * Sizes the scrolled content: the rows, plus the blank needed to make the scroll range a whole
   * number of rows, so that a list scrolled to its end starts with a whole row (none is cut at
   * the top, under the header).
   */
  #sizeSpacer(): void {
    const { rowHeight } = this.#options;
    const rows = this.#items.length * rowHeight;
    const visible = this.element.clientHeight;
    const pad = rows > visible ? (rowHeight - (visible % rowHeight)) % rowHeight : 0;
    this.#spacer.style.height = `${rows + pad}px`;
  }

  get items(): readonly T[] {
    return this.#items;
  }

  /** Replaces the items and redraws the rows in view. */
  setItems(items: readonly T[]): void {
    const { follow } = this.#options;
    const element = this.element;
    const atEnd = element.clientHeight === 0 ? this.#atEnd : this.#isAtEnd();
    this.#items = items;
    this.#sizeSpacer();
    if (follow === true && atEnd) element.scrollTop = element.scrollHeight;
    this.#atEnd = atEnd;
    this.render();
  }

  #isAtEnd(): boolean {
    const element = this.element;
    return (
      element.scrollTop + element.clientHeight >= element.scrollHeight - this.#options.rowHeight
    );
  }

  /** Scrolls so that the row at `index` is in view. */
  scrollToIndex(index: number): void {
    const { rowHeight } = this.#options;
    const top = index * rowHeight;
    const element = this.element;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = top + rowHeight - element.clientHeight;
    }
  }

  /** Redraws the rows in view. */
  render(): void {
    const { rowHeight, createRow, updateRow } = this.#options;
    const overscan = 8;
    const visible = Math.ceil(this.element.clientHeight / rowHeight) + overscan * 2;
    const first = Math.max(
      0,
      Math.min(
        Math.floor(this.element.scrollTop / rowHeight) - overscan,
        this.#items.length - visible,
      ),
    );
    const last = Math.min(this.#items.length, first + visible);
    const count = Math.max(0, last - first);
    while (this.#pool.length < count) {
      const row = createRow();
      row.classList.add('virtual-row');
      row.style.height = `${rowHeight}px`;
      this.#pool.push(row);
      this.#spacer.append(row);
    }
    for (let i = 0; i < this.#pool.length; i++) {
      const row = this.#pool[i]!;
      if (i >= count) {
        row.hidden = true;
        continue;
      }
      const index = first + i;
      row.hidden = false;
      row.style.transform = `translateY(${index * rowHeight}px)`;
      updateRow(row, this.#items[index]!, index);
    }
  }
}
