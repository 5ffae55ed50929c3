const STORAGE_KEY = 'visualizer:panel-sizes';
const MIN_SIZE = 120;
const KEY_STEP = 16;

/**
 * Makes the panel borders (`.splitter` elements) draggable: each one sets a CSS variable on
 * `body` (`data-var`, e.g. `--inspector-width`) that the page grid reads; `data-panel` names the
 * panel it sizes and `data-side="end"` that the panel sits after it. Arrow keys move a
 * focused splitter; double-click restores the default. Sizes are remembered in localStorage.
 */
export function initSplitters(root: HTMLElement = document.body): void {
  const saved = load();
  for (const [name, value] of Object.entries(saved)) root.style.setProperty(name, `${value}px`);
  for (const splitter of root.querySelectorAll<HTMLElement>('.splitter')) {
    const name = splitter.dataset.var;
    if (name === undefined) continue;
    const vertical = splitter.classList.contains('splitter-v');
    const fromEnd = splitter.dataset.side === 'end';
    const set = (size: number): void => {
      const limit = (vertical ? window.innerWidth : window.innerHeight) * 0.7;
      const value = Math.round(Math.min(limit, Math.max(MIN_SIZE, size)));
      root.style.setProperty(name, `${value}px`);
      splitter.setAttribute('aria-valuenow', String(value));
      saved[name] = value;
      store(saved);
    };
    const current = (): number => {
      const panel = splitter.dataset.panel;
      const target = panel === undefined ? null : document.getElementById(panel);
      const rect = target?.getBoundingClientRect();
      return rect === undefined ? MIN_SIZE : vertical ? rect.width : rect.height;
    };
    splitter.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      splitter.setPointerCapture(event.pointerId);
      splitter.classList.add('dragging');
    });
    splitter.addEventListener('pointermove', (event) => {
      if (!splitter.hasPointerCapture(event.pointerId)) return;
      const position = vertical ? event.clientX : event.clientY;
      const extent = vertical ? window.innerWidth : window.innerHeight;
      set(fromEnd ? extent - position : position);
    });
    const end = (event: PointerEvent): void => {
      if (splitter.hasPointerCapture(event.pointerId)) {
        splitter.releasePointerCapture(event.pointerId);
      }
      splitter.classList.remove('dragging');
    };
    splitter.addEventListener('pointerup', end);
    splitter.addEventListener('pointercancel', end);
    splitter.addEventListener('keydown', (event) => {
      const grow = vertical ? ['ArrowRight', 'ArrowLeft'] : ['ArrowDown', 'ArrowUp'];
      const index = grow.indexOf(event.key);
      if (index === -1) return;
      event.preventDefault();
      const sign = (index === 0 ? 1 : -1) * (fromEnd ? -1 : 1);
      set(current() + sign * KEY_STEP);
    });
    splitter.addEventListener('dblclick', () => {
      root.style.removeProperty(name);
      delete saved[name];
      store(saved);
    });
  }
}

function load(): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter(
        (entry): entry is [string, number] => typeof entry[1] === 'number',
      ),
    );
  } catch {
    // Storage disabled or corrupt: the defaults from the style sheet apply.
    return {};
  }
}

function store(sizes: Record<string, number>): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(sizes));
  } catch {
    // Storage disabled (private mode, quota): sizes then last as long as the page.
  }
}
