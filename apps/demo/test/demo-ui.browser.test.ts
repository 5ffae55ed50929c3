import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumArgs, useChromium } from '@mistral-flows/testing';
import { chromium as playwright, type BrowserContext } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemo, summaryOf, type DemoProcess } from './run-cli.js';

const chromium = useChromium();
const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));
/** Each wait fails on its own with the selector it waited for, well before the test's deadline. */
const TIMEOUT = { timeout: 20_000 };

describe.skipIf(!chromium.available)('demo --ui', () => {
  let demo: DemoProcess | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;

  afterAll(async () => {
    await context?.close();
    if (demo && demo.child.exitCode === null) demo.child.kill('SIGKILL');
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("waits for a page, shows the demo's actors at the printed URL, and stops on Ctrl-C", async () => {
    demo = startDemo(['--ui', '--scenario', 'agents', '--scenario', 'batch']);
    const [, url] = await demo.waitForLine(/^visualizer\s+(http:\/\/127\.0\.0\.1:\d+\/)/);
    // Nothing runs before a page is there to watch.
    await demo.waitForLine(/waiting for a page/);
    expect(demo.stdout()).not.toMatch(/page connected|passed in/);

    userDataDir = mkdtempSync(join(tmpdir(), 'demo-chromium-'));
    context = await playwright.launchPersistentContext(userDataDir, {
      executablePath: chromium.executablePath,
      headless: true,
      args: chromiumArgs(userDataDir).filter((arg) => !arg.startsWith('--user-data-dir')),
      viewport: { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url!);
    await page.waitForSelector('#connection[data-status="live"]', TIMEOUT);
    await demo.waitForLine(/page connected: running the scenarios/);

    // The scenarios' own actors, then the ones they start: the conversation and the batch.
    await page.waitForSelector('.actor-row[data-actor-id="scenario-agents"]', TIMEOUT);
    await page.waitForSelector('.actor-row[data-actor-id="scenario-batch"]', TIMEOUT);
    await demo.waitForLine(/press Ctrl-C to stop/);
    await page.waitForSelector(
      '.actor-row[data-actor-id="scenario-agents"] .actor-state:text-is("passed")',
      TIMEOUT,
    );
    await page.waitForSelector(
      '.actor-row[data-actor-id="scenario-batch"] .actor-state:text-is("passed")',
      TIMEOUT,
    );
    for (const machine of ['conversation', 'batchRun', 'batch']) {
      await page.fill('#actor-filter', machine);
      await page.waitForSelector(`.actor-row .actor-name:text-is("${machine}")`, TIMEOUT);
    }
    await page.fill('#actor-filter', '');
    await page.click('.actor-row[data-actor-id="scenario-batch"]');
    await page.waitForSelector('#diagram[data-graph] svg', TIMEOUT);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'demo-ui.png') });

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.stderr()).toBe('');
    expect(summaryOf(demo.stdout())).toMatchObject({ run: 2, passed: 2, failed: 0, skipped: 0 });
  }, 90_000);
});
