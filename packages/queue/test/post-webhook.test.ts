import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookDeliveryError } from '../src/index.js';
import { postWebhook } from '../src/webhook/post-webhook.js';

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!();
});

async function server(handler: (req: IncomingMessage, body: string) => number | 'hang') {
  const requests: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      const status = handler(req, body);
      if (status !== 'hang') res.writeHead(status).end('ignored');
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        srv.close(() => resolve());
        srv.closeAllConnections();
      }),
  );
  return { port: (srv.address() as AddressInfo).port, requests };
}

describe('postWebhook', () => {
  it('POSTs the body with the given headers and resolves with the status', async () => {
    const { port, requests } = await server(() => 204);
    const status = await postWebhook(
      new URL(`http://127.0.0.1:${port}/h`),
      { 'webhook-id': 'msg_1' },
      '{"a":1}',
      { timeoutMs: 2_000, allowHosts: ['127.0.0.1'] },
    );
    expect(status).toBe(204);
    expect(requests[0]).toMatchObject({
      body: '{"a":1}',
      headers: { 'webhook-id': 'msg_1', 'content-type': 'application/json' },
    });
  });

  it('refuses, after DNS, a name that resolves to an internal address unless it is allowed', async () => {
    const { port, requests } = await server(() => 200);
    const url = new URL(`http://localhost:${port}/h`);
    const error = await postWebhook(url, {}, '{}', { timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(WebhookDeliveryError.isInstance(error)).toBe(true);
    expect((error as WebhookDeliveryError).code).toBe('webhook_forbidden');
    expect(requests).toHaveLength(0);
    await expect(
      postWebhook(url, {}, '{}', { timeoutMs: 2_000, allowHosts: ['localhost'] }),
    ).resolves.toBe(200);
  });

  it('times out a receiver that does not answer', async () => {
    const { port } = await server(() => 'hang');
    const error = await postWebhook(new URL(`http://127.0.0.1:${port}/`), {}, '{}', {
      timeoutMs: 100,
      allowHosts: ['127.0.0.1'],
    }).catch((e: unknown) => e);
    expect((error as WebhookDeliveryError).code).toBe('webhook_timeout');
  });

  it('reports a refused connection as a network error', async () => {
    const { port } = await server(() => 200);
    await servers.pop()!();
    const error = await postWebhook(new URL(`http://127.0.0.1:${port}/`), {}, '{}', {
      timeoutMs: 2_000,
      allowHosts: ['127.0.0.1'],
    }).catch((e: unknown) => e);
    expect((error as WebhookDeliveryError).code).toBe('webhook_network');
    expect((error as WebhookDeliveryError).retryable).toBe(true);
  });
});
