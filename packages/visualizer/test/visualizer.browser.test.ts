import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium as playwright, type BrowserContext, type Page } from 'playwright-core';
import { createActor, type Actor } from 'xstate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, useChromium } from '@mistral-flows/testing';
import { createVisualizer, machineGraph, type Visualizer } from '@mistral-flows/visualizer';
import { jobMachine, lightMachine } from './fixtures/machines.js';

const chromium = useChromium();
const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
const TIMEOUT = { timeout: 15_000 };

describe.skipIf(!chromium.available)('visualizer page', () => {
  let visualizer: Visualizer;
  let light: Actor<typeof lightMachine>;
  let job: Actor<typeof jobMachine>;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;

  const active = (path: string) => `#diagram .state.active[data-path="${path}"]`;
  const inactive = (path: string) => `#diagram .state[data-path="${path}"]:not(.active)`;
  const eventCount = () =>
    page.$eval('#event-count', (element) => Number((element as HTMLElement).dataset.count));

  beforeAll(async () => {
    visualizer = await createVisualizer();
    light = createActor(lightMachine, { id: 'light-1', inspect: visualizer.inspect }).start();
    job = createActor(jobMachine, { id: 'job-1', inspect: visualizer.inspect }).start();
    userDataDir = mkdtempSync(join(tmpdir(), 'visualizer-chromium-'));
    // Playwright takes the profile directory as an argument, not as --user-data-dir.
    context = await playwright.launchPersistentContext(userDataDir, {
      executablePath: chromium.executablePath,
      headless: true,
      args: chromiumArgs(userDataDir).filter((arg) => !arg.startsWith('--user-data-dir')),
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${visualizer.url}?actor=light-1`);
  });

  afterAll(async () => {
    await context?.close();
    light?.stop();
    job?.stop();
    await visualizer?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('lists the live actors of both machines', async () => {
    await page.waitForSelector('.actor-row[data-actor-id="light-1"]', TIMEOUT);
    await page.waitForSelector('.actor-row[data-actor-id="job-1"]', TIMEOUT);
    expect(await page.textContent('.actor-row[data-actor-id="light-1"] .actor-state')).toBe(
      'green',
    );
    await page.waitForSelector('#connection[data-status="live"]', TIMEOUT);

    // The filter leaves only the matching rows on screen (the others are recycled, not shown).
    await page.fill('#actor-filter', 'job-1');
    await page.waitForSelector('.actor-row[data-actor-id="light-1"]', {
      state: 'hidden',
      ...TIMEOUT,
    });
    expect(await page.locator('.actor-row:visible').count()).toBe(1);
    await page.fill('#actor-filter', '');
    await page.waitForSelector('.actor-row[data-actor-id="light-1"]', TIMEOUT);
  });

  it('draws every state of the selected machine', async () => {
    await page.waitForSelector('#diagram[data-graph="light"] svg', TIMEOUT);
    const paths = machineGraph(lightMachine).nodes.map((node) => node.path.join('.'));
    expect(paths).toEqual(['', 'green', 'yellow', 'red', 'red.walk', 'red.wait', 'broken']);
    for (const path of paths) {
      expect(await page.locator(`#diagram .state[data-path="${path}"]`).count(), path).toBe(1);
    }
    const labels = await page.locator('#diagram .edge-label').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['light.next']));
    // A transition from the machine into one of its own states is written in its header.
    expect(await page.locator('#diagram .state-root .state-line').allTextContents()).toContain(
      'light.break [canBreak] → broken',
    );
    expect(await page.locator('#diagram .initial-marker').count()).toBe(2); // root and red
  });

  it('moves the highlight when events are sent', async () => {
    await page.waitForSelector(active('green'), TIMEOUT);
    light.send({ type: 'light.next' });
    await page.waitForSelector(active('yellow'), TIMEOUT);
    await page.waitForSelector(inactive('green'), TIMEOUT);
    light.send({ type: 'light.next' });
    await page.waitForSelector(active('red.walk'), TIMEOUT);
    await page.waitForSelector(active('red'), TIMEOUT);
    await page.waitForSelector(inactive('yellow'), TIMEOUT);
    expect(await page.textContent('#state-value')).toBe('red.walk');
  });

  it('grows the event log with the events and their payloads', async () => {
    const before = await eventCount();
    light.send({ type: 'light.next' });
    await page.waitForFunction(
      (count) => Number(document.querySelector<HTMLElement>('#event-count')!.dataset.count) > count,
      before,
      TIMEOUT,
    );
    expect(await eventCount()).toBeGreaterThan(before);
    job.send({ type: 'job.chunk', text: 'payload-marker' });
    await page.waitForSelector('.event-row:has(.event-payload:text("payload-marker"))', TIMEOUT);
    await page.waitForSelector(active('red.wait'), TIMEOUT);
  });

  it('steps back on the timeline to earlier snapshots, and returns to live', async () => {
    await page.click('#timeline-back');
    await page.waitForSelector(active('red.walk'), TIMEOUT);
    await page.waitForSelector(inactive('red.wait'), TIMEOUT);
    expect(await page.textContent('#state-value')).toBe('red.walk');
    expect(await page.textContent('#state-status')).toContain('past');

    // Snapshots of light-1: green (start), yellow, red.walk, red.wait.
    await page.$eval('#timeline-slider', (element) => {
      const slider = element as HTMLInputElement;
      slider.value = '1';
      slider.dispatchEvent(new Event('input'));
    });
    await page.waitForSelector(active('yellow'), TIMEOUT);
    await page.waitForSelector(inactive('red'), TIMEOUT);
    expect(await page.textContent('#state-value')).toBe('yellow');
    await page.click('#timeline-back');
    await page.waitForSelector(active('green'), TIMEOUT);

    // New events do not move a pinned timeline; "live" follows them again.
    await page.click('#timeline-forward');
    await page.waitForSelector(active('yellow'), TIMEOUT);
    light.send({ type: 'light.next' });
    await page.waitForSelector(
      '.actor-row[data-actor-id="light-1"] .actor-state:text("green")',
      TIMEOUT,
    );
    expect(await page.textContent('#state-value')).toBe('yellow');
    await page.click('#timeline-live');
    await page.waitForSelector(active('green'), TIMEOUT);
    await page.waitForSelector(inactive('yellow'), TIMEOUT);
    await page.waitForFunction(
      () => !document.querySelector('#state-status')!.textContent.includes('past'),
      undefined,
      TIMEOUT,
    );
  });

  it('shows the streamed text and the progress of a selected actor, without secrets', async () => {
    await page.click('.actor-row[data-actor-id="job-1"]');
    await page.waitForSelector('#diagram[data-graph="job"] svg', TIMEOUT);
    job.send({ type: 'job.chunk', text: ' and more' });
    job.send({ type: 'job.progress' });
    await page.waitForSelector('#streamed-text:text("payload-marker and more")', TIMEOUT);
    await page.waitForSelector('#progress-label:text("1 / 4")', TIMEOUT);
    expect(await page.textContent('#text-field')).toBe('partialText');
    await page.waitForSelector(active('text.streaming'), TIMEOUT);
    await page.waitForSelector(active('work.running'), TIMEOUT);
    const html = await page.content();
    expect(html).not.toContain('sk-should-never-show');
    expect(html).not.toContain('tok-should-never-show');
  });

  it('zooms, pans and fits the diagram with buttons, wheel, drag and keys', async () => {
    await page.click('.actor-row[data-actor-id="light-1"]');
    await page.waitForSelector('#diagram[data-graph="light"] svg', TIMEOUT);
    const view = () =>
      page.$eval('#diagram', (element) => {
        const data = (element as HTMLElement).dataset;
        return { k: Number(data.zoom), x: Number(data.panX), y: Number(data.panY) };
      });
    await page.click('#zoom-fit');
    const fitted = await view();
    expect(fitted.k).toBeGreaterThan(0.9);

    await page.click('#zoom-in');
    expect((await view()).k).toBeCloseTo(fitted.k * 1.25, 3);
    await page.click('#zoom-out');
    expect((await view()).k).toBeCloseTo(fitted.k, 3);

    const box = (await page.locator('#diagram').boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction(
      (k) => Number(document.querySelector<HTMLElement>('#diagram')!.dataset.zoom) > k,
      fitted.k,
      TIMEOUT,
    );

    const before = await view();
    await page.mouse.down();
    await page.mouse.move(cx + 80, cy + 40, { steps: 4 });
    await page.mouse.up();
    const dragged = await view();
    expect(dragged.x - before.x).toBeCloseTo(80, 0);
    expect(dragged.y - before.y).toBeCloseTo(40, 0);
    expect(dragged.k).toBe(before.k);

    await page.focus('#diagram');
    await page.keyboard.press('ArrowLeft');
    expect((await view()).x - dragged.x).toBeCloseTo(60, 0);
    await page.keyboard.press('+');
    expect((await view()).k).toBeCloseTo(dragged.k * 1.25, 3);
    await page.keyboard.press('0');
    expect(await view()).toEqual(fitted);
  });

  it('follows the active state when it leaves the view', async () => {
    const inView = (path: string) =>
      page.evaluate((selector) => {
        const panel = document.querySelector('#diagram')!.getBoundingClientRect();
        const state = document.querySelector(selector)!.getBoundingClientRect();
        return (
          state.left >= panel.left &&
          state.right <= panel.right &&
          state.top >= panel.top &&
          state.bottom <= panel.bottom
        );
      }, `#diagram .state[data-path="${path}"] > rect`);
    await page.focus('#diagram');
    for (let i = 0; i < 6; i++) await page.keyboard.press('+');
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowDown');
    const current = (await page.textContent('#state-value'))!;
    expect(await inView(current)).toBe(false);
    light.send({ type: 'light.next' });
    await page.waitForFunction(
      (value) => document.querySelector('#state-value')!.textContent !== value,
      current,
      TIMEOUT,
    );
    const next = (await page.textContent('#state-value'))!;
    await page.waitForSelector(active(next), TIMEOUT);
    expect(await inView(next)).toBe(true);
    await page.click('#zoom-fit');
  });

  it('resizes the panels by dragging the borders between them', async () => {
    const width = (selector: string) =>
      page.$eval(selector, (element) => element.getBoundingClientRect().width);
    const inspector = await width('#inspector');
    const chart = await width('#diagram');
    const splitter = (await page.locator('#split-inspector').boundingBox())!;
    await page.mouse.move(splitter.x + 2, splitter.y + splitter.height / 2);
    await page.mouse.down();
    await page.mouse.move(splitter.x - 98, splitter.y + splitter.height / 2, { steps: 5 });
    await page.mouse.up();
    expect(await width('#inspector')).toBeCloseTo(inspector + 100, -1);
    expect(await width('#diagram')).toBeCloseTo(chart - 100, -1);
    await page.dblclick('#split-inspector');
    expect(await width('#inspector')).toBeCloseTo(inspector, 0);
  });

  it('saves a screenshot', async () => {
    mkdirSync(artifacts, { recursive: true });
    const path = join(artifacts, 'visualizer.png');
    await page.screenshot({ path });
    expect(statSync(path).size).toBeGreaterThan(10_000);
  });
});
