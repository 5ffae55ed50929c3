import { request } from 'node:http';
import { createActor, setup } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createVisualizer,
  VisualizerError,
  type FullState,
  type Visualizer,
} from '@mistral-flows/visualizer';
import { SseClient } from './sse-client.js';

const machine = setup({ types: { context: {} as { apiKey: string; note: string } } }).createMachine(
  {
    id: 'secretive',
    context: { apiKey: 'sk-abcdef', note: 'Authorization: Bearer live-token-1' },
  },
);

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createVisualizer', () => {
  let visualizer: Visualizer | undefined;
  afterEach(async () => {
    await visualizer?.close();
    visualizer = undefined;
  });

  it('binds to 127.0.0.1 on a free port by default', async () => {
    visualizer = await createVisualizer();
    expect(visualizer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(new URL(visualizer.url).port).not.toBe('0');
  });

  it('refuses a non-loopback host without allowRemote', async () => {
    const attempt = createVisualizer({ host: '0.0.0.0' });
    await expect(attempt).rejects.toSatisfy(
      (error) => VisualizerError.isInstance(error) && error.code === 'non_loopback_host',
    );
  });

  it('binds elsewhere with allowRemote, and warns', async () => {
    const warnings: string[] = [];
    visualizer = await createVisualizer({
      host: '0.0.0.0',
      allowRemote: true,
      warn: (m) => warnings.push(m),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/reachable from other machines/);
    const port = new URL(visualizer.url).port;
    expect((await get(`http://127.0.0.1:${port}/api/state`)).status).toBe(200);
  });

  it('does not warn on loopback', async () => {
    const warnings: string[] = [];
    visualizer = await createVisualizer({ host: 'localhost', warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
  });

  it('serves its own bundled page and nothing from elsewhere', async () => {
    visualizer = await createVisualizer();
    const html = await fetch(visualizer.url);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'self'");
    const text = await html.text();
    expect(text).toContain('src="app.js"');
    expect(text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const script = await fetch(new URL('app.js', visualizer.url));
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100_000); // elkjs is inside
    expect((await fetch(new URL('app.css', visualizer.url))).status).toBe(200);
    expect((await fetch(new URL('nope', visualizer.url))).status).toBe(404);
    expect((await fetch(visualizer.url, { method: 'POST' })).status).toBe(405);
  });

  it('answers nothing to a request for another host name (DNS rebinding)', async () => {
    visualizer = await createVisualizer();
    const port = new URL(visualizer.url).port;
    const foreign = await get(`http://127.0.0.1:${port}/api/state`, {
      Host: `attacker.example:${port}`,
    });
    expect(foreign.status).toBe(403);
    const local = await get(`http://127.0.0.1:${port}/api/state`, { Host: `localhost:${port}` });
    expect(local.status).toBe(200);
  });

  it('never sends secrets from contexts', async () => {
    visualizer = await createVisualizer();
    const actor = createActor(machine, { inspect: visualizer.inspect }).start();
    const body = await (await fetch(new URL('api/state', visualizer.url))).text();
    expect(body).not.toContain('sk-abcdef');
    expect(body).not.toContain('live-token-1');
    const state = JSON.parse(body) as FullState;
    expect(state.actors[0]!.latest?.context).toEqual({
      apiKey: '[REDACTED]',
      note: 'Authorization: Bearer [REDACTED]',
    });
    actor.stop();
  });

  it('waits for a page to connect', async () => {
    visualizer = await createVisualizer();
    let connected = false;
    const waiting = visualizer.waitForPage().then(() => (connected = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(connected).toBe(false);
    const client = await SseClient.open(new URL('events', visualizer.url).href);
    await waiting;
    expect(connected).toBe(true);
    // Once a page is there, it resolves at once.
    await visualizer.waitForPage();
    await client.close();
  });

  it('stops waiting for a page when the signal aborts', async () => {
    visualizer = await createVisualizer();
    const controller = new AbortController();
    const waiting = visualizer.waitForPage({ signal: controller.signal });
    controller.abort(new Error('no page today'));
    await expect(waiting).rejects.toThrow('no page today');
  });

  it('ends open streams and stops recording on close', async () => {
    visualizer = await createVisualizer();
    const client = await SseClient.open(new URL('events', visualizer.url).href);
    await client.waitForId(0);
    const url = visualizer.url;
    await visualizer.close();
    await client.ended();
    await expect(fetch(url)).rejects.toThrow();
    // inspect keeps working as a no-op after close.
    const actor = createActor(machine, { inspect: visualizer.inspect }).start();
    expect(actor.getSnapshot().status).toBe('active');
    actor.stop();
    visualizer = undefined;
  });
});
