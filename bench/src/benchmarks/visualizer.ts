import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { conversationMachine } from '@mistral-flows/agents';
import { batchMachine, batchRunMachine } from '@mistral-flows/batch';
import { CHROMIUM_FLAGS } from '@mistral-flows/testing';
import {
  alternate,
  format,
  measurement,
  median,
  type Benchmark,
  type Measurement,
} from '../harness.js';

const ACTORS = 100;
const EVENTS = 10_000;
const LIVE_EVENTS = 1_000;

// bench has no dependency on the visualizer or xstate yet: load them from the workspace package.
const packageDir = fileURLToPath(new URL('../../../packages/visualizer/', import.meta.url));

interface Event {
  type: string;
  [key: string]: unknown;
}
interface ActorLike {
  start(): ActorLike;
  send(event: Event): void;
  stop(): void;
}
interface XStateLike {
  setup(implementations: object): { createMachine(config: object): unknown };
  assign(assignment: object): unknown;
  createActor(
    machine: unknown,
    options?: { id?: string; inspect?: (event: unknown) => void },
  ): ActorLike;
}
interface VisualizerLike {
  url: string;
  inspect: (event: unknown) => void;
  close(): Promise<void>;
}
interface VisualizerModule {
  createVisualizer: (options?: object) => Promise<VisualizerLike>;
}

type ConversationContext = { partialText: string; turns: number };
type BatchContext = { progress: { completed: number; total: number } };

function machines(xstate: XStateLike): { conversation: unknown; batch: unknown } {
  const conversation = xstate
    .setup({
      actions: {
        append: xstate.assign({
          partialText: ({ context, event }: { context: ConversationContext; event: Event }) =>
            context.partialText + String(event.text),
        }),
        reset: xstate.assign({ partialText: '' }),
        countTurn: xstate.assign({
          turns: ({ context }: { context: ConversationContext }) => context.turns + 1,
        }),
      },
    })
    .createMachine({
      id: 'conversation',
      initial: 'idle',
      context: { partialText: '', turns: 0, apiKey: 'bench-secret' },
      states: {
        idle: { on: { 'user.send': { target: 'responding', actions: 'reset' } } },
        responding: {
          initial: 'streaming',
          states: {
            streaming: { on: { 'text.delta': { actions: 'append' }, 'response.end': 'settled' } },
            settled: { type: 'final' },
          },
          onDone: { target: 'idle', actions: 'countTurn' },
        },
        failed: {},
      },
    });
  const batch = xstate
    .setup({
      actions: {
        advance: xstate.assign({
          progress: ({ context }: { context: BatchContext }) => ({
            ...context.progress,
            completed: context.progress.completed + 1,
          }),
        }),
      },
      guards: {
        isComplete: ({ context }: { context: BatchContext }) =>
          context.progress.completed >= context.progress.total,
      },
    })
    .createMachine({
      id: 'batch',
      initial: 'preparing',
      context: { progress: { completed: 0, total: 1_000 } },
      states: {
        preparing: { on: { 'job.next': 'uploading' } },
        uploading: { on: { 'job.next': 'polling' } },
        polling: {
          on: { 'job.progress': { actions: 'advance' } },
          always: { guard: 'isComplete', target: 'succeeded' },
        },
        succeeded: { type: 'final' },
      },
    });
  return { conversation, batch };
}

/** The `n`-th event for actor `i`: conversations stream turns, batches report progress. */
function eventFor(i: number, n: number): Event {
  if (i % 2 === 0) {
    const step = n % 10;
    if (step === 0) return { type: 'user.send' };
    if (step === 9) return { type: 'response.end' };
    return { type: 'text.delta', text: `token${n} ` };
  }
  return n < 2 ? { type: 'job.next' } : { type: 'job.progress' };
}

/** Starts the actors and sends them `events` events, round robin. */
function drive(
  xstate: XStateLike,
  kinds: { conversation: unknown; batch: unknown },
  events: number,
  inspect?: (event: unknown) => void,
): ActorLike[] {
  const actors = Array.from({ length: ACTORS }, (_, i) =>
    xstate
      .createActor(i % 2 === 0 ? kinds.conversation : kinds.batch, {
        id: `${i % 2 === 0 ? 'conversation' : 'batch'}-${i}`,
        ...(inspect ? { inspect } : {}),
      })
      .start(),
  );
  sendMore(actors, 0, events);
  return actors;
}

function sendMore(actors: ActorLike[], from: number, count: number): void {
  for (let k = from; k < from + count; k++) {
    const i = k % ACTORS;
    actors[i]!.send(eventFor(i, Math.floor(k / ACTORS)));
  }
}

async function currentSeq(url: string): Promise<number> {
  const response = await fetch(new URL('api/state', url));
  return ((await response.json()) as { seq: number }).seq;
}

/**
 * The project's own machines drawn at 1280x800: crossings and label overlaps of the layout, and
 * the smallest text (computed font size x zoom) after Fit and with the whole machine shown.
 * Before: the same figures for the layout of the previous release (labels scaled down to the
 * panel's width), measured once with the same text-width estimate.
 */
const LAYOUT_BEFORE: Record<string, { crossings: number; wholePx: number }> = {
  conversation: { crossings: 1, wholePx: 2.8 },
  batch: { crossings: 27, wholePx: 2.1 },
  batchRun: { crossings: 0, wholePx: 7.5 },
};

interface LayoutFigures {
  machine: string;
  crossings: number;
  overlaps: number;
  fitPx: number;
  wholePx: number;
  /** The whole machine with Focus (the window for the diagram, and a layout for its shape). */
  focusPx: number;
  /** From navigation until a first layout is drawn. */
  firstMs: number;
  /** From navigation until the chosen layout is drawn (every candidate tried). */
  drawnMs: number;
}

async function measureLayouts(
  context: BrowserContext,
  createVisualizer: VisualizerModule['createVisualizer'],
  xstate: XStateLike,
): Promise<LayoutFigures[]> {
  const visualizer = await createVisualizer();
  const page = await context.newPage();
  const figures: LayoutFigures[] = [];
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const machine of [conversationMachine, batchMachine, batchRunMachine]) {
      // Created, not started: the visualizer records the machine's graph on creation.
      xstate.createActor(machine, { id: machine.id, inspect: visualizer.inspect });
      const started = performance.now();
      await page.goto(`${visualizer.url}?actor=${machine.id}`);
      await page.waitForSelector('#diagram svg', { timeout: 60_000 });
      const firstMs = performance.now() - started;
      await page.waitForSelector(`#diagram[data-graph="${machine.id}"] svg`, { timeout: 60_000 });
      const drawnMs = performance.now() - started;
      await page.click('#zoom-fit');
      const fit = await smallestText(page);
      await page.click('#zoom-whole');
      const whole = await smallestText(page);
      await page.click('#focus-diagram');
      await page.waitForFunction(
        () => {
          const diagram = document.querySelector<HTMLElement>('#diagram')!;
          const shape = Math.round(Math.log2(diagram.clientWidth / diagram.clientHeight) * 4);
          return diagram.dataset.shape === String(shape);
        },
        undefined,
        { timeout: 60_000 },
      );
      await page.click('#zoom-whole');
      const focus = await smallestText(page);
      await page.click('#focus-diagram');
      const metrics = await page.evaluate(() =>
        (
          window as unknown as {
            visualizerDiagram: { metrics(): { crossings: number; labelOverlaps: number } };
          }
        ).visualizerDiagram.metrics(),
      );
      figures.push({
        machine: machine.id,
        crossings: metrics.crossings,
        overlaps: metrics.labelOverlaps,
        fitPx: fit,
        wholePx: whole,
        focusPx: focus,
        firstMs,
        drawnMs,
      });
    }
  } finally {
    await page.close();
    await visualizer.close();
  }
  return figures;
}

function smallestText(page: Page): Promise<number> {
  return page.evaluate(() => {
    const diagram = document.querySelector<HTMLElement>('#diagram')!;
    const zoom = Number(diagram.dataset.zoom);
    const sizes = [...diagram.querySelectorAll('.state-label, .state-line, .edge-label')].map(
      (text) => parseFloat(getComputedStyle(text).fontSize) * zoom,
    );
    return Math.min(...sizes);
  });
}

function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

export const benchmark: Benchmark = {
  name: 'visualizer',
  title: `Visualizer with ${ACTORS} live actors and ${EVENTS.toLocaleString('en-US')} events: first render of the actor list and the diagram in Chromium, live updates, inspection overhead`,
  async run(ctx) {
    const notes: string[] = [];
    const entry = join(packageDir, 'dist', 'index.js');
    if (!existsSync(join(packageDir, 'dist', 'page', 'app.js'))) {
      return {
        name: 'visualizer',
        title: this.title,
        measurements: [],
        goals: [],
        notes: ['Skipped: @mistral-flows/visualizer is not built (run `pnpm build`).'],
      };
    }
    const { createVisualizer } = (await import(pathToFileURL(entry).href)) as VisualizerModule;
    const xstate = createRequire(join(packageDir, 'package.json'))('xstate') as XStateLike;
    const kinds = machines(xstate);
    const measurements: Measurement[] = [];

    // Node side: what inspection costs the actors themselves (no page connected).
    const overhead = await alternate(
      {
        xstate: () => {
          const started = performance.now();
          const actors = drive(xstate, kinds, EVENTS);
          const elapsed = performance.now() - started;
          for (const actor of actors) actor.stop();
          return Promise.resolve(elapsed);
        },
        'xstate + visualizer.inspect': async () => {
          const visualizer = await createVisualizer();
          const started = performance.now();
          const actors = drive(xstate, kinds, EVENTS, visualizer.inspect);
          const elapsed = performance.now() - started;
          for (const actor of actors) actor.stop();
          await visualizer.close();
          return elapsed;
        },
      },
      { rounds: ctx.rounds, warmup: ctx.warmup, log: (line) => ctx.log(line) },
    );
    for (const [contender, samples] of Object.entries(overhead)) {
      measurements.push(
        measurement(contender, `start ${ACTORS} actors + ${EVENTS} events`, 'ms', samples),
      );
    }
    const perEvent =
      (median(overhead['xstate + visualizer.inspect']!) - median(overhead.xstate!)) / EVENTS;
    notes.push(
      `Inspection adds about ${format(perEvent * 1000)} µs per event (serialising each event and snapshot).`,
    );

    const executablePath = chromiumPath();
    if (executablePath === undefined) {
      notes.push(
        'Browser figures skipped: no Chromium at /usr/bin/chromium (apt-get install -y chromium).',
      );
      return { name: 'visualizer', title: this.title, measurements, goals: [], notes };
    }
    const userDataDir = mkdtempSync(join(tmpdir(), 'mf-bench-visualizer-'));
    let context: BrowserContext | undefined;
    const samples = { list: [] as number[], diagram: [] as number[], live: [] as number[] };
    let layouts: LayoutFigures[] = [];
    let stateBytes = 0;
    let shownEvents = 0;
    let expectedEvents = 0;
    try {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath,
        headless: true,
        args: [...CHROMIUM_FLAGS],
        viewport: { width: 1400, height: 900 },
      });
      for (let round = 0; round < ctx.warmup + ctx.rounds; round++) {
        const visualizer = await createVisualizer();
        const actors = drive(xstate, kinds, EVENTS, visualizer.inspect);
        const page = await context.newPage();
        try {
          await page.goto(`${visualizer.url}?actor=conversation-0`);
          await page.waitForFunction(
            () => performance.getEntriesByName('visualizer:diagram-rendered').length > 0,
            undefined,
            { timeout: 60_000 },
          );
          const { list, diagram } = await page.evaluate(() => ({
            list: performance.getEntriesByName('visualizer:actors-rendered')[0]!.startTime,
            diagram: performance.getEntriesByName('visualizer:diagram-rendered')[0]!.startTime,
          }));
          await page.waitForSelector('.actor-row[data-actor-id="conversation-0"]');
          shownEvents = await page.$eval('#event-count', (e) =>
            Number((e as HTMLElement).dataset.count),
          );
          expectedEvents = ACTORS + EVENTS; // xstate.init for each actor, then the events sent

          // Live: 1,000 more events while the page is open, until the page has applied them all.
          const started = performance.now();
          sendMore(actors, EVENTS, LIVE_EVENTS);
          const target = await currentSeq(visualizer.url);
          await page.waitForFunction((seq) => Number(document.body.dataset.seq) >= seq, target, {
            timeout: 60_000,
          });
          const live = performance.now() - started;
          stateBytes = (await (await fetch(new URL('api/state', visualizer.url))).text()).length;

          const label = round < ctx.warmup ? 'warm-up' : `round ${round - ctx.warmup + 1}`;
          ctx.log(
            `  ${label}: list ${format(list)} ms, diagram ${format(diagram)} ms, ${LIVE_EVENTS} live events ${format(live)} ms`,
          );
          if (round >= ctx.warmup) {
            samples.list.push(list);
            samples.diagram.push(diagram);
            samples.live.push(live);
          }
        } finally {
          await page.close();
          for (const actor of actors) actor.stop();
          await visualizer.close();
        }
      }
      layouts = await measureLayouts(context, createVisualizer, xstate);
    } finally {
      await context?.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
    for (const figure of layouts) {
      const before = LAYOUT_BEFORE[figure.machine];
      notes.push(
        `Layout of ${figure.machine} at 1280x800: ${before ? `${before.crossings} -> ` : ''}${figure.crossings} edge crossings, ${figure.overlaps} label overlaps; smallest text ${format(figure.fitPx)} px after Fit, ${before ? `${before.wholePx} -> ` : ''}${format(figure.wholePx)} px with the whole machine shown, ${format(figure.focusPx)} px with Focus; first drawn ${format(figure.firstMs)} ms after navigation, the chosen layout ${format(figure.drawnMs)} ms.`,
      );
    }
    measurements.push(
      measurement('page', 'actor list rendered (from navigation)', 'ms', samples.list),
      measurement('page', 'diagram laid out and drawn (from navigation)', 'ms', samples.diagram),
      measurement('page', `${LIVE_EVENTS} live events sent until applied`, 'ms', samples.live),
    );
    notes.push(
      `The first load carries the full state: ${(stateBytes / 1e6).toFixed(1)} MB of JSON (${ACTORS} actors, every event and snapshot still in the replay log). Times include loading the 1.5 MB page bundle (ELK included) from 127.0.0.1.`,
    );
    return {
      name: 'visualizer',
      title: this.title,
      measurements,
      goals: [
        {
          name: 'diagram labels readable after Fit, none overlapping',
          target: '>= 11 px, 0 overlaps',
          actual: layouts
            .map((figure) => `${figure.machine} ${format(figure.fitPx)} px, ${figure.overlaps}`)
            .join('; '),
          met:
            layouts.length > 0 &&
            layouts.every((figure) => figure.fitPx >= 11 - 1e-3 && figure.overlaps === 0),
        },
        {
          name: 'whole machine at 11 px or more, beside the other panels or with Focus',
          target: '>= 11 px',
          actual: layouts
            .map(
              (figure) =>
                `${figure.machine} ${format(figure.wholePx)} px (Focus ${format(figure.focusPx)} px)`,
            )
            .join('; '),
          met:
            layouts.length > 0 &&
            layouts.every((figure) => Math.max(figure.wholePx, figure.focusPx) >= 11 - 1e-3),
        },
        {
          name: 'event log holds every event',
          target: `${expectedEvents} events`,
          actual: `${shownEvents} events`,
          met: shownEvents === expectedEvents,
        },
      ],
      notes,
    };
  },
};
