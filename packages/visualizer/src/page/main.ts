import { toMermaid } from '../to-mermaid.js';
import { ActorList } from './actor-list.js';
import { connect } from './connection.js';
import { Diagram } from './diagram.js';
import { byId } from './dom.js';
import { EventLog } from './event-log.js';
import { InspectorPanel } from './inspector-panel.js';
import { initSplitters } from './splitters.js';
import { Store } from './store.js';
import { Timeline } from './timeline.js';

/**
 * The visualizer page: wires the event stream into the store and redraws what changed, at most
 * once per animation frame.
 */
const store = new Store();
const params = new URLSearchParams(location.search);
let selected: string | undefined;
let wanted = params.get('actor') ?? undefined;
let selectionChanged = true;

initSplitters();
const diagram = new Diagram(byId('diagram'), {
  zoomIn: byId<HTMLButtonElement>('zoom-in'),
  zoomOut: byId<HTMLButtonElement>('zoom-out'),
  fit: byId<HTMLButtonElement>('zoom-fit'),
  whole: byId<HTMLButtonElement>('zoom-whole'),
  follow: byId<HTMLButtonElement>('follow'),
  zoomLabel: byId('zoom-label'),
});
// For tests, benchmarks and the screenshot script: the diagram's view and layout numbers.
(window as unknown as { visualizerDiagram: Diagram }).visualizerDiagram = diagram;
const panel = new InspectorPanel();
const actorList = new ActorList(
  byId('actor-list'),
  byId<HTMLInputElement>('actor-filter'),
  store,
  (key) => {
    select(key, true);
    render();
  },
);
const eventLog = new EventLog(
  {
    container: byId('event-log'),
    filter: byId<HTMLInputElement>('event-filter'),
    onlySelected: byId<HTMLInputElement>('event-only-selected'),
    actor: byId<HTMLSelectElement>('event-actor'),
    type: byId<HTMLSelectElement>('event-type'),
    collapse: byId<HTMLInputElement>('event-collapse'),
    detail: byId('event-detail'),
  },
  store,
);
const timeline = new Timeline(
  {
    slider: byId<HTMLInputElement>('timeline-slider'),
    back: byId<HTMLButtonElement>('timeline-back'),
    forward: byId<HTMLButtonElement>('timeline-forward'),
    live: byId<HTMLButtonElement>('timeline-live'),
    replay: byId<HTMLButtonElement>('timeline-replay'),
    label: byId('timeline-label'),
  },
  () => renderSelected(),
);
const connection = byId('connection');
const actorCount = byId('actor-count');
const eventCount = byId('event-count');
let firstRender = true;

/** Selects an actor. A user's choice replaces the one asked for in `?actor=`. */
function select(key: string, byUser: boolean): void {
  if (byUser) wanted = undefined;
  if (key === selected) return;
  selected = key;
  selectionChanged = true;
  timeline.goLive();
  actorList.selected = key;
  eventLog.selected = key;
  const url = new URL(location.href);
  url.searchParams.set('actor', key);
  history.replaceState(null, '', url);
}

/** Picks the actor asked for in `?actor=` (key or id) once it exists, else keeps or picks one. */
function ensureSelection(): void {
  if (wanted !== undefined) {
    const want = wanted;
    const match =
      store.actors.get(want) ?? [...store.actors.values()].find((view) => view.info.id === want);
    if (match !== undefined) {
      select(match.info.key, true);
      return;
    }
  }
  if (selected !== undefined && store.actors.has(selected)) return;
  const first = store.order()[0];
  if (first !== undefined) select(first, false);
}

function render(): void {
  const changes = store.takeChanges();
  if (changes.reset || changes.actors) {
    ensureSelection();
    actorList.render();
    actorCount.textContent = `${store.actors.size} actors`;
    actorCount.dataset.count = String(store.actors.size);
  }
  if (changes.reset || changes.events) {
    eventLog.render(changes.reset, changes.reset);
    const total = store.events.length + store.eventsDropped;
    eventCount.textContent = `${total} events`;
    eventCount.dataset.count = String(total);
  }
  if (
    changes.reset ||
    selectionChanged ||
    (selected !== undefined && changes.snapshots.has(selected))
  ) {
    renderSelected();
  }
  document.body.dataset.seq = String(store.seq);
  if (firstRender && store.actors.size > 0) {
    firstRender = false;
    performance.mark('visualizer:actors-rendered');
    void diagram.ready.then(() => performance.mark('visualizer:diagram-rendered'));
  }
}

function renderSelected(): void {
  selectionChanged = false;
  const view = selected === undefined ? undefined : store.actors.get(selected);
  if (view === undefined) {
    diagram.show(undefined, undefined, store.actors.size === 0 ? 'Waiting for actors…' : '');
    panel.render(undefined, undefined, true);
    timeline.update([]);
    return;
  }
  const graphId = view.info.graph;
  diagram.show(
    graphId,
    graphId === undefined ? undefined : store.graphs.get(graphId),
    `${view.info.name} is not a state machine: no diagram.`,
  );
  const snapshot = timeline.update(view.timeline) ?? view.latest;
  const previous = view.timeline[timeline.index - 1];
  diagram.highlight(snapshot, previous);
  panel.render(view, snapshot, timeline.live);
}

connect('events', {
  onState(state) {
    store.reset(state);
    render();
  },
  onRecords(records) {
    for (const record of records) store.apply(record);
    render();
  },
  onStatus(status) {
    connection.textContent = status;
    connection.dataset.status = status;
  },
});

// Focus: the whole window for the diagram (the button, or `m` with the diagram focused).
const focusButton = byId<HTMLButtonElement>('focus-diagram');
const toggleFocus = (): void => {
  const on = document.body.classList.toggle('diagram-focus');
  focusButton.classList.toggle('on', on);
  focusButton.setAttribute('aria-pressed', String(on));
};
focusButton.addEventListener('click', toggleFocus);
byId('diagram').addEventListener('keydown', (event) => {
  if (event.key === 'm' && !event.altKey && !event.ctrlKey && !event.metaKey) toggleFocus();
});

const mermaidDialog = byId<HTMLDialogElement>('mermaid-dialog');
byId('show-mermaid').addEventListener('click', () => {
  const graphId = selected === undefined ? undefined : store.actors.get(selected)?.info.graph;
  const graph = graphId === undefined ? undefined : store.graphs.get(graphId);
  byId<HTMLTextAreaElement>('mermaid-text').value =
    graph === undefined ? 'The selected actor is not a state machine.' : toMermaid(graph);
  mermaidDialog.showModal();
});
byId('mermaid-close').addEventListener('click', () => mermaidDialog.close());
