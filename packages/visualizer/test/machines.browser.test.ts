import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium as playwright, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, useChromium } from '@mistral-flows/testing';
import type { MachineGraph } from '@mistral-flows/visualizer';
import type { FullState } from '../src/protocol.js';

/**
 * The project's own machines (conversation from agents, batch and batchRun from batch) drawn at
 * 1280x800 and measured from the DOM: after "Fit" every state name, line and transition label is
 * drawn at 11 px or more and no two labels overlap, and the whole machine is drawn at 11 px or more
 * beside the other panels (conversation, batchRun) or in Focus (batch). The graphs are the JSON written by
 * `scripts/machine-fixtures.mjs` (this package cannot import those packages: they use it). The
 * page is the built one, served with an event stream that holds one actor of the machine.
 *
 * With `VISUALIZER_SCREENSHOTS=<dir>` it also writes `<dir>/visualizer-<machine>.png`, and
 * `<dir>/visualizer-<machine>-focus.png` (the whole machine with Focus) for the machines that are
 * drawn whole at 11 px only there.
 */
const chromium = useChromium();
const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const screenshots = process.env.VISUALIZER_SCREENSHOTS;
const TIMEOUT = { timeout: 15_000 };
const MIN_PX = 11;

interface Case {
  machine: string;
  /** The state shown active, and a few events for the log. */
  value: string;
  events: Array<{ event: string; payload?: Record<string, unknown> }>;
  context: Record<string, unknown>;
  /**
   * Where the whole machine is drawn at 11 px or more: in the diagram panel beside the actor list,
   * the inspector and the log, or only in Focus (the window for the diagram).
   */
  wholeIn: 'panel' | 'focus';
}

const CASES: Case[] = [
  {
    machine: 'conversation',
    value: 'responding',
    events: [
      { event: 'user.send', payload: { text: 'What is the weather in Paris?' } },
      { event: 'model.delta', payload: { text: 'Let me' } },
      { event: 'model.delta', payload: { text: ' check' } },
      { event: 'model.end', payload: { toolCalls: [{ name: 'getWeather' }] } },
      { event: 'tool.approve', payload: { callId: 'call-1' } },
      { event: 'tool.result', payload: { callId: 'call-1', result: { celsius: 18 } } },
      { event: 'model.delta', payload: { text: 'It is 18 °C' } },
      { event: 'model.delta', payload: { text: ' in Paris.' } },
    ],
    context: { streamingText: 'It is 18 °C in Paris.', turn: 1 },
    wholeIn: 'panel',
  },
  {
    machine: 'batch',
    value: 'polling',
    events: [
      { event: 'xstate.done.actor.0.batch.createJob', payload: { output: { id: 'job-1' } } },
      { event: 'job.update', payload: { status: 'QUEUED', completed: 0, total: 100 } },
      { event: 'job.update', payload: { status: 'RUNNING', completed: 21, total: 100 } },
      { event: 'job.update', payload: { status: 'RUNNING', completed: 40, total: 100 } },
    ],
    context: {
      key: 'nightly-eval',
      job: {
        id: 'job-1',
        status: 'RUNNING',
        counters: { total: 100, completed: 40, succeeded: 38, failed: 2 },
      },
    },
    wholeIn: 'focus',
  },
  {
    machine: 'batchRun',
    value: 'running',
    events: [{ event: 'xstate.done.actor.shard-0' }],
    context: { shards: 4, done: 1 },
    wholeIn: 'panel',
  },
];

function graphOf(machine: string): MachineGraph {
  const file = new URL(`./fixtures/graphs/${machine}.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as MachineGraph;
}

/** A full state with one actor of `machine` in state `value`, as the server would send it. */
function fullState(test: Case): FullState {
  const key = 'x:0';
  let seq = 1;
  const records: FullState['records'] = test.events.map(({ event, payload }) => ({
    type: 'event',
    seq: ++seq,
    t: Date.UTC(2026, 11, 6, 12, 0, seq),
    actor: key,
    event,
    ...(payload === undefined ? {} : { payload: payload as never }),
  }));
  const latest = {
    type: 'snapshot' as const,
    seq: ++seq,
    t: Date.UTC(2026, 11, 6, 12, 0, seq),
    actor: key,
    event: test.events.at(-1)?.event ?? 'xstate.init',
    status: 'active' as const,
    value: test.value,
    context: test.context as never,
  };
  records.push(latest);
  return {
    seq,
    actors: [
      {
        key,
        id: `${test.machine}-1`,
        root: key,
        name: test.machine,
        kind: 'machine',
        graph: test.machine,
        createdAt: Date.UTC(2026, 11, 6, 12, 0, 0),
        latest,
      },
    ],
    graphs: { [test.machine]: graphOf(test.machine) },
    records,
  };
}

interface Measured {
  zoom: number;
  /** Smallest rendered font size (computed font size x zoom) of any diagram text. */
  minFontPx: number;
  /** Smallest rendered box height of any diagram text. */
  minBoxPx: number;
  texts: number;
  overlaps: string[];
}

/** Reads every diagram text's rendered size and the overlaps between label boxes. */
function measure(page: Page): Promise<Measured> {
  return page.evaluate(() => {
    const diagram = document.querySelector<HTMLElement>('#diagram')!;
    const zoom = Number(diagram.dataset.zoom);
    const texts = [
      ...diagram.querySelectorAll<SVGTextElement>('.state-label, .state-line, .edge-label'),
    ];
    let minFontPx = Infinity;
    let minBoxPx = Infinity;
    for (const text of texts) {
      minFontPx = Math.min(minFontPx, parseFloat(getComputedStyle(text).fontSize) * zoom);
      minBoxPx = Math.min(minBoxPx, text.getBoundingClientRect().height);
    }
    // Labels: each transition label's background, and each line of text inside a state.
    type Item = { name: string; rect: DOMRect; owner: Element | null };
    const items: Item[] = [
      ...[...diagram.querySelectorAll('.edge-label-bg')].map((element) => ({
        name: `label ${element.parentElement!.textContent}`,
        rect: element.getBoundingClientRect(),
        owner: element.parentElement,
      })),
      ...[...diagram.querySelectorAll('.state-label, .state-line')].map((element) => ({
        name: `text ${element.textContent}`,
        rect: element.getBoundingClientRect(),
        owner: element.closest('.state'),
      })),
    ];
    const hit = (a: DOMRect, b: DOMRect): boolean =>
      a.left + 0.5 < b.right &&
      b.left + 0.5 < a.right &&
      a.top + 0.5 < b.bottom &&
      b.top + 0.5 < a.bottom;
    const overlaps: string[] = [];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i]!;
        const b = items[j]!;
        if (a.owner === b.owner && a.name.startsWith('text') && b.name.startsWith('text')) {
          // Lines of one state are stacked by construction; their glyph boxes may touch.
          if (a.rect.bottom - b.rect.top < 3 && b.rect.bottom - a.rect.top > 0) continue;
        }
        if (hit(a.rect, b.rect)) overlaps.push(`${a.name} / ${b.name}`);
      }
    }
    // A transition label over a state box that is not a container.
    const boxes = [
      ...diagram.querySelectorAll(
        '.state-atomic > rect, .state-final > rect:first-of-type, .choice',
      ),
    ];
    for (const label of items.filter((item) => item.name.startsWith('label'))) {
      for (const box of boxes) {
        if (hit(label.rect, box.getBoundingClientRect())) {
          overlaps.push(
            `${label.name} / state ${box.closest('.state')?.getAttribute('data-path') ?? 'choice'}`,
          );
        }
      }
    }
    return { zoom, minFontPx, minBoxPx, texts: texts.length, overlaps };
  });
}

/** Waits until the diagram is drawn with the layout chosen for the panel's current shape. */
async function waitForShape(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const diagram = document.querySelector<HTMLElement>('#diagram')!;
    const shape = Math.round(Math.log2(diagram.clientWidth / diagram.clientHeight) * 4);
    return diagram.dataset.shape === String(shape) && diagram.querySelector('svg') !== null;
  }, TIMEOUT);
}

/** Serves the built page, and an event stream that sends `state()` and stays open. */
async function servePage(state: () => FullState): Promise<{ url: string; server: Server }> {
  const pageDir = new URL('../dist/page/', import.meta.url);
  const types: Record<string, string> = {
    '/': 'text/html',
    '/app.js': 'text/javascript',
    '/app.css': 'text/css',
  };
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
      res.write(`event: state\ndata: ${JSON.stringify(state())}\n\n`);
      streams.add(res);
      res.once('close', () => streams.delete(res));
      return;
    }
    const type = types[path];
    if (type === undefined) {
      res.writeHead(404).end();
      return;
    }
    const file = path === '/' ? 'index.html' : path.slice(1);
    res.writeHead(200, { 'Content-Type': `${type}; charset=utf-8` });
    res.end(readFileSync(new URL(file, pageDir)));
  });
  server.on('close', () => {
    for (const res of streams) res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, server };
}

describe.skipIf(!chromium.available)('the project machines at 1280x800', () => {
  let server: Server;
  let url: string;
  let current: Case = CASES[0]!;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const report: Record<string, unknown> = {};

  beforeAll(async () => {
    ({ server, url } = await servePage(() => fullState(current)));
    userDataDir = mkdtempSync(join(tmpdir(), 'visualizer-chromium-'));
    context = await playwright.launchPersistentContext(userDataDir, {
      executablePath: chromium.executablePath,
      headless: true,
      args: chromiumArgs(userDataDir).filter((arg) => !arg.startsWith('--user-data-dir')),
      viewport: { width: 1280, height: 800 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(
      join(artifacts, 'visualizer-machines.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    await context?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  for (const test of CASES) {
    it(`draws ${test.machine} readable after Fit, with no overlapping labels`, async () => {
      current = test;
      await page.goto(`${url}?actor=x:0`);
      await page.waitForSelector('#connection[data-status="live"]', TIMEOUT);
      await page.waitForSelector(`#diagram[data-graph="${test.machine}"] svg`, TIMEOUT);
      await page.waitForSelector(`#diagram .state.active[data-path="${test.value}"]`, TIMEOUT);
      await page.click('#zoom-fit');
      const fitted = await measure(page);

      await page.click('#zoom-whole');
      const whole = await measure(page);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, `visualizer-${test.machine}-whole.png`) });
      const metrics = await page.evaluate(() =>
        (
          window as unknown as { visualizerDiagram: { metrics(): unknown } }
        ).visualizerDiagram.metrics(),
      );
      // Focus gives the diagram the window, and the machine the layout chosen for its shape: the
      // whole machine again, larger.
      await page.click('#focus-diagram');
      await waitForShape(page);
      await page.click('#zoom-whole');
      const focused = await measure(page);
      expect(focused.zoom).toBeGreaterThanOrEqual(whole.zoom);
      expect(focused.overlaps).toEqual([]);
      // Every arrow of the machine is drawn (ELK leaves some without a route when it wraps).
      expect(await page.getAttribute('#diagram', 'data-unrouted')).toBe('0');
      await page.screenshot({ path: join(artifacts, `visualizer-${test.machine}-focus.png`) });
      if (screenshots !== undefined && test.wholeIn === 'focus') {
        const dir = resolve(process.cwd(), screenshots);
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, `visualizer-${test.machine}-focus.png`) });
      }
      await page.click('#focus-diagram');
      await waitForShape(page);
      await page.click('#zoom-whole');
      const direction = await page.getAttribute('#diagram', 'data-direction');
      const wrapped = await page.getAttribute('#diagram', 'data-wrapped');
      report[test.machine] = {
        direction,
        wrapped,
        metrics,
        fit: { zoom: fitted.zoom, minFontPx: fitted.minFontPx, minBoxPx: fitted.minBoxPx },
        whole: { zoom: whole.zoom, minFontPx: whole.minFontPx, minBoxPx: whole.minBoxPx },
        focusWhole: { zoom: focused.zoom, minFontPx: focused.minFontPx },
        texts: fitted.texts,
      };
      console.log(`[visualizer] ${test.machine}: ${JSON.stringify(report[test.machine])}`);

      expect(fitted.texts).toBeGreaterThan(5);
      expect(fitted.minFontPx).toBeGreaterThanOrEqual(MIN_PX);
      expect(fitted.overlaps).toEqual([]);
      expect(whole.overlaps).toEqual([]);
      expect(await page.getAttribute('#diagram', 'data-unrouted')).toBe('0');
      // The whole machine at once, readable: beside the other panels, or in Focus for the biggest.
      expect(test.wholeIn === 'panel' ? whole.minFontPx : focused.minFontPx).toBeGreaterThanOrEqual(
        MIN_PX,
      );

      // The picture: the whole machine when its text is still 10 px or more there, else Fit.
      if (whole.minFontPx < 10) await page.click('#zoom-fit');
      await page.waitForSelector(`#diagram .state.active[data-path="${test.value}"]`, TIMEOUT);
      // No event row is cut under the log's header.
      const cut = await page.evaluate(() => {
        const top = document.querySelector('#event-log')!.getBoundingClientRect().top;
        return [...document.querySelectorAll('#event-log .event-row:not([hidden])')].some((row) => {
          const rect = row.getBoundingClientRect();
          return rect.top < top - 0.5 && rect.bottom > top + 0.5;
        });
      });
      expect(cut).toBe(false);
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, `visualizer-${test.machine}.png`) });
      if (screenshots !== undefined) {
        const dir = resolve(process.cwd(), screenshots);
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, `visualizer-${test.machine}.png`) });
      }
    });
  }
});
